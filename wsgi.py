"""WSGI entry point: gunicorn -w 4 --no-control-socket wsgi:app"""

from incubator import create_app

app = create_app()
