"""Fixed-window limits per client address, kept in the shared cache.

The default cache is the database's cache table, or Redis when REDIS_URL is set, so a limit holds
across every worker and survives a restart. Keys carry a hash of the address, never the address.
A window is numbered from the epoch, so its end (and the ``Retry-After`` a refusal sends) follows
from the clock alone.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from detoxdesk.lib.http import client_ip


@dataclass(frozen=True)
class Window:
    """One address's count in the current window of a named limit."""

    key: str
    used: int
    limit: int
    retry_after: int  # whole seconds until the window ends (at least 1)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


def window(request: HttpRequest, scope: str, *, limit: int, seconds: int) -> Window:
    """The current window of ``scope`` for the request's client address (nothing is counted)."""
    now = timezone.now().timestamp()
    number = int(now // seconds)
    address = client_ip(request) or "unknown"
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    key = f"rl:{scope}:{digest}:{number}"
    used = int(cache.get(key, 0))
    retry_after = max(1, math.ceil((number + 1) * seconds - now))
    return Window(key=key, used=used, limit=limit, retry_after=retry_after)


def count(current: Window) -> int:
    """Add one to the window and return the new count (atomic on Redis)."""
    if cache.add(current.key, 1, timeout=current.retry_after + 1):
        return 1
    try:
        return int(cache.incr(current.key))
    except ValueError:  # the entry expired between add and incr
        cache.add(current.key, 1, timeout=current.retry_after + 1)
        return 1


def hit(request: HttpRequest, scope: str, *, limit: int, seconds: int) -> Window:
    """Count this request in its window; ``exhausted`` says whether the limit was passed."""
    current = window(request, scope, limit=limit, seconds=seconds)
    used = count(current)
    return Window(current.key, used - 1, limit, current.retry_after)
