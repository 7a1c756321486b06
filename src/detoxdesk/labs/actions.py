"""Recording drug tests and other results: the one door for writing them.

A result is checked whole (every field, every analyte) before anything is written, and written
with its findings, its audit event and what it tells the other engines (the episode's medication
facts) in one transaction. Nothing partial is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import labs
from detoxdesk.labs import importer
from detoxdesk.labs.checks import check_result, may_record
from detoxdesk.labs.models import Finding, Result
from detoxdesk.medications.actions.facts import do_update_facts
from detoxdesk.medications.models import PatientFacts
from detoxdesk.patients.models import Episode, Facility

POSITIVE = Finding.Outcome.POSITIVE


def do_record_result(
    episode: Episode,
    *,
    acting_user: User,
    panel: str,
    specimen: str,
    specimen_at: datetime | None,
    method: str,
    findings: Mapping[str, Any],
    origin: str = Result.Origin.FORM,
    now: datetime | None = None,
) -> Result:
    """Record one result of ``panel`` (``check_result`` for the fields) and tell the engines.

    In the same transaction the episode's medication facts are updated, so every check sees
    the result: a positive fentanyl screen sets fentanyl exposure, a positive pregnancy test
    sets pregnancy, and a QTc replaces the recorded one when it was measured later (or the
    recorded one has no time). A negative result changes no fact: a negative screen does not
    rule exposure out.
    """
    now = now or timezone.now()
    known = method in Result.Method.values
    if not permissions.can(acting_user, permissions.LAB_RECORD, episode.facility) or (
        known and not may_record(acting_user, episode, method)
    ):
        raise PermissionDenied("Your role cannot record this result for this patient.")
    found, rows, taken = check_result(
        panel=panel,
        specimen=specimen,
        specimen_at=specimen_at,
        method=method,
        findings=findings,
        now=now,
    )
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update()
            .select_related("patient", "facility")
            .get(pk=episode.pk)
        )
        if episode.status != Episode.Status.ACTIVE:
            raise ValidationError("This episode has ended; nothing more can be recorded on it.")
        result = Result.objects.create(
            episode=episode,
            patient=episode.patient,
            panel=found.code,
            specimen=specimen,
            specimen_at=taken,
            method=method,
            origin=origin,
            recorded_at=now,
            recorded_by=acting_user,
        )
        for row in rows:
            row.result = result
        Finding.objects.bulk_create(rows)
        log.record_for(
            result,
            "lab_result.recorded",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            changes={
                "panel": found.code,
                "specimen": specimen,
                "specimen_at": taken.isoformat(),
                "method": method,
                "origin": origin,
                "findings": {row.analyte: row.outcome or str(row.value) for row in rows},
            },
        )
        _feed_facts(episode, rows, taken, acting_user, now)
    return result


def fact_updates(
    facts: PatientFacts | None, rows: list[Finding], specimen_at: datetime
) -> dict[str, Any]:
    """The medication facts ``rows`` change (only those that differ from ``facts``)."""
    catalogue = labs.catalogue()
    updates: dict[str, Any] = {}
    for row in rows:
        feeds = catalogue.analytes[row.analyte].feeds
        if feeds in ("fentanyl_exposure", "pregnant") and row.outcome == POSITIVE:
            if facts is None or getattr(facts, feeds) is not True:
                updates[feeds] = True
        elif feeds == "qtc_ms" and row.value is not None:
            measured = facts.qtc_measured_at if facts else None
            if facts is None or facts.qtc_ms is None or measured is None or specimen_at > measured:
                updates.update(qtc_ms=int(row.value), qtc_measured_at=specimen_at)
    return updates


def _feed_facts(
    episode: Episode, rows: list[Finding], specimen_at: datetime, user: User, now: datetime
) -> None:
    facts = PatientFacts.objects.filter(episode=episode).first()
    if updates := fact_updates(facts, rows, specimen_at):
        # The medications app's own door: its validation, its lock and its audit event.
        do_update_facts(episode, acting_user=user, now=now, **updates)


def do_import_results(
    stream: TextIO,
    *,
    facility: Facility,
    acting_user: User,
    dry_run: bool,
    source_name: str = "",
    now: datetime | None = None,
) -> importer.ImportSummary:
    """Check every row of a results CSV (columns: :mod:`detoxdesk.labs.importer`), then, unless
    ``dry_run``, record them all in one transaction, each through :func:`do_record_result`.

    Raises LayoutError when the header is wrong. Nothing is saved when any row is refused.
    """
    if not permissions.can(acting_user, permissions.LAB_RECORD_LABORATORY, facility):
        raise PermissionDenied("Your role cannot import results at this facility.")
    now = now or timezone.now()
    rows, summary = importer.validate(
        importer.read_rows(stream), facility=facility, user=acting_user, now=now
    )
    summary.dry_run = dry_run
    if dry_run or summary.errors:
        return summary
    with transaction.atomic():
        for row in rows:
            do_record_result(
                row.episode,
                acting_user=acting_user,
                origin=Result.Origin.IMPORT,
                now=now,
                **row.values,
            )
        log.record(
            "lab_result.imported",
            actor=acting_user,
            facility=facility,
            changes={"created": summary.created, "file": source_name},
        )
    summary.saved = True
    return summary
