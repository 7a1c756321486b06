"""The id that groups every audit event caused by one request or command."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("detoxdesk_request_id", default=None)


def current() -> str:
    """The active request id; outside a request each call gets a fresh one."""
    return _current.get() or uuid.uuid4().hex


def begin() -> object:
    return _current.set(uuid.uuid4().hex)


def end(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
