"""What a council's IT security reviewer checks first: the response headers, the
Content Security Policy, and that production settings pass `check --deploy`."""
import json
import os
import re
import secrets
import subprocess  # nosec B404 # runs manage.py with fixed argument lists
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**extra):
    """The environment `make serve` needs, and nothing from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))}
    env.pop("DEBUG", None)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="budget.example-council.gov.uk",
        DJANGO_SETTINGS_MODULE="budget_portal.settings",
    )
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(  # nosec B603 # fixed arguments, no shell
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )


def production_setting(*names, env=None):
    """The values of settings ``names`` as production (a fresh process) computes them."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, name) for name in {list(names)!r}], default=list))"
    )
    result = subprocess.run(  # nosec B603 # fixed arguments, no shell
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env or production_env(), capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_security_is_turned_off():
    """The check above can fail: turning off secure cookies is reported."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SESSION_COOKIE_SECURE="0"))
    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_are_safe_by_default():
    (debug, session_secure, csrf_secure, ssl_redirect, hsts, include_subdomains, httponly, storage, middleware) = (
        production_setting(
            "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_HTTPONLY", "STORAGES", "MIDDLEWARE",
        )
    )
    assert debug is False
    assert session_secure and csrf_secure and ssl_redirect and httponly and include_subdomains
    assert hsts >= 31536000
    assert storage["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in middleware
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in middleware
    assert "csp.middleware.CSPMiddleware" in middleware


# --- headers on real responses ------------------------------------------------------

def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_refuse_framing_sniffing_and_leaking_the_referrer(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_https_responses_carry_hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_session_cookie_is_http_only_and_same_site(client, officer):
    response = client.post("/accounts/login/", {"username": "officer", "password": "test-password-123"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# --- the templates themselves -----------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//(?!www\.w3\.org/|www\.equalityadvisoryservice\.com/)""", re.IGNORECASE
)


def project_templates():
    return sorted((BASE_DIR / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", project_templates(), ids=lambda p: str(p.relative_to(BASE_DIR / "templates")))
def test_templates_have_no_inline_script_style_or_handlers(template):
    """The CSP would block them anyway; this says which template to fix."""
    source = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "inline <script>: move it to static/js/"
    assert not INLINE_STYLE.search(source), "inline style: add a class to static/css/portal.css"
    assert not EVENT_HANDLER.search(source), "on*= handler: blocked by the CSP"


@pytest.mark.parametrize("template", project_templates(), ids=lambda p: str(p.relative_to(BASE_DIR / "templates")))
def test_templates_load_nothing_from_other_sites(template):
    source = template.read_text(encoding="utf-8")
    for match in re.finditer(r"<(?:script|link|img|iframe)[^>]*>", source, re.IGNORECASE):
        assert not EXTERNAL.search(match.group(0)), match.group(0)


@pytest.mark.parametrize("template", project_templates(), ids=lambda p: str(p.relative_to(BASE_DIR / "templates")))
def test_templates_never_mark_text_safe(template):
    source = template.read_text(encoding="utf-8")
    assert "|safe" not in source and "{% autoescape off" not in source
