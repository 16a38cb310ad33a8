"""Settings for the benchmark suite: production settings (DEBUG off), plus a few bench-only
pages (bench/urls.py) that exist only here, never in the app."""
import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-for-any-real-deployment-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/budget_portal_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from budget_portal.settings import *  # noqa: E402,F401,F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405 - the test Client's host
# No collectstatic step in the bench: serve static names as they are.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
