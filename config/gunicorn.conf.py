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


# One index per node, not per worker: the master creates the app, starts the node's graph
# index process (the one holder of its actor graph, which the workers ask) and reads the
# search bitmaps once (when_ready); the workers it forks share those pages copy-on-write and
# each reads only what was stamped since (post_worker_init).
preload_app = True


def _node(app):
    return getattr(app, "extensions", {}).get("enforce_share")


def when_ready(server):
    """In the master, before the first fork: start the graph index process, read the
    search bitmaps, close its connections, and freeze what it holds, so that the workers'
    collections never write to those pages."""
    import gc

    node = _node(server.app.wsgi())
    if node is not None:
        try:
            node.start_graph_index()
        except Exception:  # each worker then holds a graph of its own: slower to start, larger
            server.log.exception("graph index process not started")
        node.warm()
        node.close()  # no pooled connection may cross a fork
    gc.collect()
    gc.freeze()


def on_exit(server):
    """In the master, as it leaves: stop the graph index process."""
    node = _node(server.app.wsgi())
    if node is not None:
        node.stop_graph_index()


def post_fork(server, worker):
    """In each worker: connections of its own (the master's were closed; this also covers
    a node that opened one after)."""
    node = _node(worker.app.wsgi())
    if node is not None:
        node.after_fork()


def post_worker_init(worker):
    """Catch the indexes up in the background as a worker starts (records stored since the
    master read them), so that the first search does not wait for it (one that comes
    earlier waits for the rest)."""
    import threading

    node = _node(worker.wsgi)
    if node is not None:
        threading.Thread(target=node.warm, name="index-catch-up", daemon=True).start()
