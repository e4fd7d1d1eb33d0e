"""The WSGI entry point for gunicorn or waitress: `gunicorn wsgi:app`."""

from pointsys import create_app

app = create_app()
