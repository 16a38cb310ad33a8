"""Settings for the test suite: the real settings, with a test key and fast hashing."""
import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Tests serve static files from the app folders (finders); there is no collectstatic output.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Jobs run inside the request that starts them; the worker tests (tests/test_jobs_worker.py)
# start real `db_worker` processes with the database backend instead.
TASKS["default"]["BACKEND"] = os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")  # noqa: F405
