"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from scorecard import create_app

app = create_app()
