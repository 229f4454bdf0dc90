"""WSGI entry point: `gunicorn fonds.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fonds.settings")
application = get_wsgi_application()
