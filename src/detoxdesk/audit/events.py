"""The registry of audit event names. An event that is not registered cannot be written.

The core events, the audit trail's own, are listed here; each app lists its own in its
``events.py`` and registers them from its ``AppConfig.ready()`` (:func:`register`), so this
module imports no app.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

CORE_EVENTS: dict[str, str] = {
    "audit.viewed": "Read the audit log",
    "audit.exported": "Downloaded an audit report",
    "access.denied": "Was refused a patient record (403 or 404)",
}

# Every registered event name and its label: the core events, then each app's as it is ready.
EVENTS: dict[str, str] = {}


def register(events: Mapping[str, str]) -> None:
    """Add ``events`` (name: label) to the registry. A name registered again with the same label
    is left as it is; with another label it is refused (ImproperlyConfigured), so two apps cannot
    share an event name by accident."""
    clashes = [name for name, text in events.items() if EVENTS.get(name, text) != text]
    if clashes:
        raise ImproperlyConfigured(
            f"Audit event(s) registered twice with different labels: {', '.join(sorted(clashes))}."
        )
    EVENTS.update(events)


register(CORE_EVENTS)


def label(name: str) -> str:
    return EVENTS.get(name, name)
