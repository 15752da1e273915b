"""The WSGI entry point for gunicorn and `flask --app wsgi`."""

from dvcq.platform.app import create_app

app = create_app()
