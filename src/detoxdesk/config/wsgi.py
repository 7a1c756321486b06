"""The WSGI application, loaded and ready before the first request.

The URL configuration (every app's views) is loaded here rather than by the first request, so
a server that loads the application once and copies it into its workers (gunicorn's
``preload_app``, the shipped setting) hands each one the URLs already loaded. Any database
connection opened while loading is closed, so a copied worker never shares one.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "detoxdesk.config.settings")
application = get_wsgi_application()


def _ready() -> None:
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every URL module and its views
    connections.close_all()


_ready()
