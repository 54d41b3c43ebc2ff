"""gunicorn settings for a node: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Run `enforce-share db upgrade` before starting; the scheduler runs in its own process.
"""

import os

bind = os.environ.get("ENFORCE_SHARE_BIND", "127.0.0.1:8100")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("ENFORCE_SHARE_THREADS", "1"))
timeout = 60
graceful_timeout = 20
# Access lines carry method, path and status only: never headers (tokens) or bodies.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("ENFORCE_SHARE_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Read the search index in the background as a worker starts, so that the first search
    does not wait for it (a search that comes earlier waits for the rest)."""
    import threading

    node = getattr(worker.wsgi, "extensions", {}).get("enforce_share")
    if node is not None:
        threading.Thread(target=node.warm_search, name="search-warm-up", daemon=True).start()
