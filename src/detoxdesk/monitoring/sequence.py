"""Each assessment knows the time of the one before it in its episode (``previous_at``).

``link`` runs in the recording's transaction, after its audit event is appended (or, as
``link_update``, in the append's own write statement): appending locks the audit chain's head, so
recordings are one at a time from there on, and the statement below sees every assessment
committed before it. One ``UPDATE`` sets the new row's previous time and,
for an entry dated before assessments already recorded, moves the next ones' previous time to it.
"""

from __future__ import annotations

from typing import cast

from django.db import connection
from django.db.models import Case, DateTimeField, Q, Subquery, Value, When
from django.db.models.sql import UpdateQuery

from detoxdesk.monitoring.models import Assessment


def link(assessment: Assessment) -> None:
    """Set the row's ``previous_at`` (the instance in memory keeps what it had)."""
    sql, params = link_update(assessment).get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def link_update(assessment: Assessment) -> UpdateQuery:
    """:func:`link`'s ``UPDATE``, not yet run: for ``audit.log.record_many(then=...)``, which runs
    it right after the audit append, under the same lock and in the same statement."""
    at = assessment.performed_at
    mine = Assessment.objects.filter(episode_id=assessment.episode_id)
    before = mine.filter(performed_at__lt=at).order_by("-performed_at").values("performed_at")[:1]
    next_at = mine.filter(performed_at__gt=at).order_by("performed_at").values("performed_at")[:1]
    rows = mine.filter(
        Q(pk=assessment.pk)
        | Q(performed_at=Subquery(next_at)) & (Q(previous_at__isnull=True) | Q(previous_at__lt=at))
    )
    update = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    update.add_update_values(
        {
            "previous_at": Case(
                When(pk=assessment.pk, then=Subquery(before)),
                default=Value(at),
                output_field=DateTimeField(),
            )
        }
    )
    return update
