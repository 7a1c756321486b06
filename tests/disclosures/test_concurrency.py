"""A disclosure and a revocation at once: the disclosure waits for the consent row and is refused
once the revocation commits, never slipping through under a consent being revoked."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from detoxdesk.disclosures import actions
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.models import Consent, Disclosure
from factories import Unit
from factories_disclosures import make_consent


def _waiting_on_a_lock() -> bool:
    """True once another backend waits for a lock this one holds (asked of PostgreSQL, not
    guessed from time). The statistics snapshot is cleared first: inside a transaction
    PostgreSQL would otherwise answer every poll from its first one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        (waiting,) = cursor.fetchone()
    return bool(waiting)


@pytest.mark.django_db(transaction=True)
def test_a_disclosure_racing_a_revocation_is_refused():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    unit = Unit()
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    outcome: list[str] = []

    def disclose() -> None:
        try:
            actions.do_disclose(
                user=unit.nurse,
                patient=unit.patient,
                recipient="Harbor Primary Care",
                purpose="treatment",
                information="chart",
                description="Chart",
            )
            outcome.append("disclosed")
        except DisclosureRefused as exc:
            outcome.append(" ".join(exc.reasons))
        finally:
            connection.close()

    thread = threading.Thread(target=disclose)
    with transaction.atomic():
        # The revocation has locked the consent and not committed yet.
        Consent.objects.select_for_update().filter(pk=consent.pk).update(
            status=Consent.Status.REVOKED
        )
        thread.start()
        while thread.is_alive() and not _waiting_on_a_lock():
            thread.join(0.01)
    thread.join()
    assert not Disclosure.objects.exists()
    assert len(outcome) == 1 and "was revoked" in outcome[0]
