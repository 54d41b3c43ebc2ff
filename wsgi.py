"""WSGI entry point for production: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

from enforce_share.app import create_app

app = create_app()
