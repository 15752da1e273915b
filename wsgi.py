"""The WSGI entry point for gunicorn and `flask --app wsgi`."""

import gc

from dvcq.app import create_app

app = create_app()

# What is loaded by now (the app, its libraries: ~200k objects) lives as long as the process. Moved out of the
# garbage collector's reach, the full collections that the ORM's many small objects set off stop walking it again
# and again (the 100-item pages' ORM loads took ~3× longer without this). deploy/gunicorn.conf.py does the same
# before forking when the app is preloaded; this covers every other way of serving wsgi:app.
gc.collect()
gc.freeze()
