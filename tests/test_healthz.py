"""/healthz, for the council's load balancer: public, plain, and honest about the database."""
import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_ok_without_signing_in():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]


def test_it_says_503_when_the_database_cannot_be_reached(monkeypatch, caplog):
    from budget_portal import views

    class Unreachable:
        def cursor(self):
            raise DatabaseError("could not connect to server: Connection refused (10.0.0.9)")

    monkeypatch.setattr(views, "connection", Unreachable())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"  # nothing about where or why
    assert "Connection refused" in caplog.text  # that goes to the log


def test_it_only_reads():
    assert Client().post("/healthz").status_code == 405
