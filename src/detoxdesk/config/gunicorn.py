"""Gunicorn settings for serving Detox Desk in production.

    gunicorn -c python:detoxdesk.config.gunicorn

Every value comes from an environment variable (docs/operations.md lists them); a malformed one
stops the start with a message naming it. Nothing here imports Django.

Workers are processes that share nothing but the database and the cache: sessions live in the
database, sign-in lockouts in axes' tables, and rate limits in the shared cache (the database's
cache table, or Redis with REDIS_URL), so a limit counted by one worker or one server holds on
every other.
"""

from __future__ import annotations

import os


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {value}.")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SystemExit(f"{name} must be true or false, not {os.environ[name]!r}.")


wsgi_app = "detoxdesk.config.wsgi:application"
bind = [part.strip() for part in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
# Two per core plus one by default: a request is CPU and database work.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
# Two threads per worker by default, so gunicorn runs its threaded worker ("gthread"), which keeps
# a client's connection open between requests (for GUNICORN_KEEPALIVE seconds). The synchronous
# worker (GUNICORN_THREADS=1) answers every request with "Connection: close", so each request
# pays a new connection; a second thread also overlaps one request's database waits with
# another's work. Each thread keeps a database connection of its own.
threads = _int("GUNICORN_THREADS", 2)
# A request still running after this many seconds is a bug or a stuck database: the worker is
# restarted. Deliberately short: no page is meant to take long.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# The application (Django, every app, the URLs) is loaded once, in the master, and each worker
# starts as a copy of it: a worker recycled below is serving again within milliseconds, instead
# of spending seconds of CPU loading everything again beside the workers still serving. The
# master opens no database connection (detoxdesk.config.wsgi closes any the loading opened), so
# no two workers share one. Off (GUNICORN_PRELOAD=false), each worker loads the application
# itself, and a reload signal (HUP) picks up new code without a restart.
preload_app = _bool("GUNICORN_PRELOAD", True)
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000, minimum=0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200, minimum=0)
# Behind a reverse proxy: the addresses whose X-Forwarded-* headers are believed. The client
# address the product uses is set separately (TRUSTED_PROXY_HEADER, TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log on standard output ("-"), a file path, or off (""). The path is logged without its
# query string, which may hold what a person searched for; %(D)s is the time in microseconds.
_access = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = _access or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus "%(a)s"'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Heartbeat files in memory, not on a disk that may stall (gunicorn's own advice).
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - worker heartbeats only, no data
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY
proc_name = "detoxdesk"
# gunicorn's runtime control socket (``gunicornc``) is off unless a path is given: its default
# path is one per user, which two servers on one machine would share.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
