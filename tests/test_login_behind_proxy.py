"""Behind the council's proxies, sign-in lockouts count failures against the client's
own address, not the proxy's: five wrong passwords for ``officer`` from one client lock
``officer`` out from that client only, and an address typed into X-Forwarded-For by the
client is never taken as theirs.

Each proxy appends the address it got the request from, so with PROXY_COUNT=1 the
right-most address is the client's, and anything to its left is whatever the client sent.
"""
import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from budget_portal.client_ip import client_ip

from .conftest import PASSWORD
from .test_security_headers import manage, production_env, production_setting

LOGIN = "/accounts/login/"
PROXY = "10.0.0.5"
CLIENT_A, CLIENT_B, ATTACKER = "203.0.113.10", "198.51.100.20", "192.0.2.66"


@pytest.fixture
def one_proxy(settings):
    settings.PROXY_COUNT = 1
    settings.FORWARDED_ALLOW_IPS = [PROXY]


def through_proxy(forwarded_for, remote=PROXY):
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)


def sign_in(password, *, forwarded_for, username="officer"):
    """A sign-in as it reaches gunicorn from the proxy: the proxy's address, and the
    X-Forwarded-For the proxy wrote (what the client sent, then the client's address)."""
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post(LOGIN, {"username": username, "password": password})


def test_production_reads_the_proxies_from_the_environment():
    env = production_env(PROXY_COUNT="2", FORWARDED_ALLOW_IPS="10.0.0.5, 10.0.1.0/24")
    assert production_setting("PROXY_COUNT", "FORWARDED_ALLOW_IPS", "AXES_CLIENT_IP_CALLABLE", env=env) == [
        2, ["10.0.0.5", "10.0.1.0/24"], "budget_portal.client_ip.client_ip",
    ]


# --- the address ------------------------------------------------------------------

def test_without_proxies_the_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    assert client_ip(through_proxy(CLIENT_A, remote=CLIENT_B)) == CLIENT_B


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(one_proxy):
    assert client_ip(through_proxy(CLIENT_A)) == CLIENT_A


def test_an_address_the_client_typed_is_not_taken_as_theirs(one_proxy):
    assert client_ip(through_proxy(f"{CLIENT_B}, {ATTACKER}")) == ATTACKER
    assert client_ip(through_proxy(f"{CLIENT_B},{CLIENT_A}, {ATTACKER}")) == ATTACKER


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.PROXY_COUNT = 2
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/24"]
    assert client_ip(through_proxy(f"{CLIENT_B}, {CLIENT_A}, 10.0.0.4")) == CLIENT_A


def test_the_header_is_ignored_unless_the_connection_comes_from_a_trusted_proxy(one_proxy):
    assert client_ip(through_proxy(CLIENT_A, remote=ATTACKER)) == ATTACKER


@pytest.mark.parametrize("forwarded_for", ["", " , ", "not-an-address", "203.0.113.10; drop"])
def test_a_missing_or_malformed_header_gives_the_peers_address(one_proxy, forwarded_for):
    assert client_ip(through_proxy(forwarded_for)) == PROXY


def test_fewer_addresses_than_proxies_gives_the_peers_address(settings):
    settings.PROXY_COUNT = 2
    settings.FORWARDED_ALLOW_IPS = [PROXY]
    assert client_ip(through_proxy(CLIENT_A)) == PROXY


def test_ipv6_clients_and_proxies(settings):
    settings.PROXY_COUNT = 1
    settings.FORWARDED_ALLOW_IPS = ["::1"]
    assert client_ip(through_proxy("2001:db8::7", remote="::1")) == "2001:db8::7"


# --- the lockout policy: that username, from that client ----------------------------

def test_five_failures_lock_the_officer_out_from_that_client_only(officer, one_proxy):
    for _ in range(5):
        sign_in("wrong", forwarded_for=CLIENT_A)
    assert sign_in(PASSWORD, forwarded_for=CLIENT_A).status_code == 429
    assert sign_in(PASSWORD, forwarded_for=CLIENT_B).status_code == 302
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("officer", CLIENT_A)]


def test_an_attacker_naming_the_officers_address_locks_only_themselves(officer, one_proxy):
    for _ in range(5):
        sign_in("wrong", forwarded_for=f"{CLIENT_A}, {ATTACKER}")
    assert sign_in(PASSWORD, forwarded_for=f"{CLIENT_A}, {ATTACKER}").status_code == 429
    assert sign_in(PASSWORD, forwarded_for=CLIENT_A).status_code == 302


def test_an_attacker_cannot_dodge_the_lockout_by_changing_the_header(officer, one_proxy):
    for number in range(5):
        sign_in("wrong", forwarded_for=f"10.9.9.{number}, {ATTACKER}")
    assert sign_in(PASSWORD, forwarded_for=f"10.9.9.99, {ATTACKER}").status_code == 429


def test_a_proxy_list_that_is_not_addresses_stops_the_app_starting():
    env = production_env(PROXY_COUNT="1", FORWARDED_ALLOW_IPS="proxy.internal")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FORWARDED_ALLOW_IPS: 'proxy.internal' does not appear to be an IPv4 or IPv6 network" in result.stderr
