"""Finding a patient: every patient of the reader's facilities, discharged ones included.

By name (each word a part of the given, family or preferred name), by the whole record number,
and/or by date of birth; a page at a time, each patient with their episodes at the reader's
facilities, newest first. Two queries per page whatever its size.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.patients.models import Episode, Patient


def matching(user: User, query: str, born: date | None) -> QuerySet[Patient]:
    """The patients ``user`` may see that match ``query`` and ``born`` (both optional)."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    known = Q(episodes__facility_id__in=facility_ids) | Q(registered_at_id__in=facility_ids)
    ids = Patient.objects.filter(known)
    if born is not None:
        ids = ids.filter(date_of_birth=born)
    if query:
        names = Q()
        for word in query.replace(",", " ").split():
            names &= (
                Q(family_name__icontains=word)
                | Q(given_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
        ids = ids.filter(names | Q(record_number__iexact=query))
    stays = (
        Episode.objects.filter(facility_id__in=facility_ids)
        .select_related("facility", "bed")
        .order_by("-admitted_at")
    )
    return (
        Patient.objects.filter(pk__in=ids.values("pk"))
        .order_by("family_name", "given_name", "date_of_birth", "pk")
        .prefetch_related(Prefetch("episodes", queryset=stays, to_attr="visible_episodes"))
    )


def page(patients: QuerySet[Patient], number: int, size: int) -> tuple[list[Patient], bool]:
    """Page ``number`` (from 1) of ``patients`` and whether another page follows."""
    found = list(patients[(number - 1) * size : number * size + 1])
    return found[:size], len(found) > size
