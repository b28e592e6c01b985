"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 60
graceful_timeout = 30
accesslog = "-"
# Logged request lines carry no cookies or query secrets: method, path, status, size, time.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
preload_app = True


def post_fork(server, worker):
    # Connections opened in the parent before the fork must not be shared by workers.
    from scorecard.db import dispose_after_fork
    from wsgi import app

    dispose_after_fork(app)
