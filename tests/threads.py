"""Running actions at the same moment in threads, for the PostgreSQL concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")


def at_once(*calls: Callable[[], object]) -> list[str]:
    """Run ``calls`` in threads released together; what each ended with, sorted: "saved",
    "refused: <the message>", or "error: <the exception>" (what these tests exist to rule out)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append("refused: " + " ".join(exc.messages))
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
