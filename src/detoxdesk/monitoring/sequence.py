"""Each assessment knows the time of the one before it in its episode (``previous_at``).

A recording inserts its row with its previous time (:func:`previous_time`) and, for an entry
dated before assessments already recorded, moves the next ones' previous time to it
(:func:`next_update`), both in its audit append's one write statement: appending locks the audit
chain's head, so recordings are one at a time from there on, and the statement sees every
assessment committed before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db import connection
from django.db.models import DateTimeField, Q, Subquery, Value
from django.db.models.sql import UpdateQuery

from detoxdesk.monitoring.models import Assessment


def link(assessment: Assessment) -> None:
    """Set the row's ``previous_at`` and move the next ones' (the instance in memory keeps what
    it had). For a row saved on its own; a recording writes :func:`previous_time` with the row
    and runs :func:`next_update` in its audit append instead."""
    at = assessment.performed_at
    this_row = Assessment.objects.filter(pk=assessment.pk)
    this_row.update(previous_at=previous_time(assessment.episode_id, at))
    sql, params = next_update(assessment).get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def previous_time(episode_id: int, at: datetime) -> Subquery:
    """The time of the episode's latest assessment before ``at``: the value of a new row's
    ``previous_at``, filled in by the database as the row is inserted (one index lookup)."""
    earlier = Assessment.objects.filter(episode_id=episode_id, performed_at__lt=at)
    return Subquery(earlier.order_by("-performed_at").values("performed_at")[:1])


def next_update(assessment: Assessment) -> UpdateQuery:
    """The ``UPDATE`` that points the episode's next assessments after the new one (those at
    the first time after it, if they point further back) at it; not yet run: for
    ``audit.log.record_many(then=...)``, which runs it right after the audit append, under the
    same lock and in the same statement. It finds them by the episode and their time, with the
    ``(episode, performed_at)`` index, whatever the length of the history."""
    at = assessment.performed_at
    mine = Assessment.objects.filter(episode_id=assessment.episode_id)
    next_at = mine.filter(performed_at__gt=at).order_by("performed_at").values("performed_at")[:1]
    rows = mine.filter(
        Q(performed_at=Subquery(next_at)) & (Q(previous_at__isnull=True) | Q(previous_at__lt=at))
    )
    update = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    update.add_update_values({"previous_at": Value(at, output_field=DateTimeField())})
    return update
