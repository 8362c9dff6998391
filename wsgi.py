"""WSGI entry point: gunicorn -w 4 --no-control-socket wsgi:app"""

import gc

from incubator import create_app

app = create_app()
# The application's own objects (modules, templates, mappers: about 160,000)
# live as long as the process. Left in the collector's view, every full
# collection walks them all, a pause of up to 100 ms in the middle of a page.
gc.freeze()
