#!/usr/bin/env python
"""Django's command-line utility for the budget portal."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget_portal.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it runs in
    # development mode. Production (wsgi.py, `make serve`) defaults to DEBUG off.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
