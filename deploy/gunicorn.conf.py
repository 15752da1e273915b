"""Gunicorn settings for the DVCQ web process: `gunicorn -c deploy/gunicorn.conf.py` (see systemd/dvcq-web.service).

Numbers come from the environment so one file serves every server; nginx sits in front (nginx.conf.example).
"""

import gc
import multiprocessing
import os
from pathlib import Path

wsgi_app = "wsgi:app"
chdir = str(Path(__file__).resolve().parent.parent)  # the project folder, where wsgi.py lives

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads serve the many small page requests while a request waits on the database; slow work runs in RQ jobs.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# The app is imported once, in the master, and the workers are forked from it: a worker starts (or is recycled) in
# milliseconds instead of re-importing the app (~1.8 s of CPU: pandas, plotly, every area), and the imported code is
# shared copy-on-write. Nothing connects at import time; `post_fork` still drops any pooled connection a worker
# might have inherited, so no database connection is ever shared between processes.
preload_app = True

# nginx buffers uploads before passing them on, so a request only needs the time to store and hash the file.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s in nginx.conf.example), so that nginx, not gunicorn, closes
# an idle connection: a connection gunicorn closed while nginx was sending a request on it became a 502 for a save.
# A gthread worker keeps idle connections in its poller, not in a thread.
keepalive = 75
# Recycle workers now and then so a slow leak in a library never grows without bound. Not too often: a recycled
# worker starts with empty per-process caches (the dashboard per data version, the published results tables) and
# rebuilds each on its next view (the dashboard: most of a second of CPU); at 2,000 a busy hour recycled every worker
# every few minutes.
max_requests = 10000
max_requests_jitter = 1000

# Trust X-Forwarded-Proto only from the reverse proxy (set TRUSTED_PROXIES=1 for the app to trust X-Forwarded-For).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# systemd supervises the process; no control socket in the service user's home (gunicorn >= 25.1 makes one).
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client's address as nginx saw it comes second (gunicorn's own %(h)s is nginx).
access_log_format = '%(h)s %({x-forwarded-for}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def _two_malloc_arenas() -> None:
    """glibc gives each thread that allocates under contention an arena of its own (up to 8 × cores) and rarely gives
    their memory back: a worker's four threads, each streaming a 20 MB upload in 1 MiB blocks, left the worker up to
    ~40 MB larger (bench/concurrent_uploads.py). Two arenas per process is the usual setting for threaded Python
    servers (MALLOC_ARENA_MAX=2); set here, in the master before any worker or thread exists, so it holds wherever the
    config is used. A no-op where the C library is not glibc."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX


_two_malloc_arenas()


def pre_fork(server, worker):
    """Freeze the imported app's objects (~200,000: pandas, plotly, SQLAlchemy's mappers) out of the garbage
    collector's reach before forking: otherwise every full collection in a worker walks them all again — measured at
    most of the appraisal sheet's ORM time (a 100-item sheet allocates enough to trigger collections on every view).
    Also keeps the shared pages shared (a collection writes to every object it visits). Python's documented recipe
    for pre-forking servers."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """A new worker forgets any database connection pooled in the master (none are opened at import time; this
    keeps it so whatever changes): SQLAlchemy's recipe for forked processes, `dispose(close=False)`."""
    from dvcq.platform.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
