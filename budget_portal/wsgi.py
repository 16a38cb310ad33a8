"""WSGI entry point. Production defaults: DEBUG is off unless the environment says so."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget_portal.settings")

application = get_wsgi_application()
