"""Access helpers: each returns the object the user may see, or refuses.

Outsiders (no role at the record's facility) get 404, so a guessed address reveals
nothing; people who may see a record but not do the thing asked get 403.
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.patients.models import Allergy, Episode, Patient, Program
from detoxdesk.staff.emergency import granted_patient_ids

_Record = TypeVar("_Record", Patient, Episode)

# Allergies are part of the clinical history taken by those who evaluate patients (nurses,
# prescribers); demographics and contacts by those who register them (intake too). The other roles
# that see the chart read them only.
ALLERGY_RECORD = permissions.EVALUATION_RECORD
DEMOGRAPHICS_EDIT = permissions.EPISODE_ADMIT


def configured_program(
    user: User, refusal: str = "Only a program director can change program settings."
) -> Program:
    """The program whose settings ``user`` may change (a director of one of its facilities);
    PermissionDenied with ``refusal`` for anyone else."""
    facilities = permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE)
    program = Program.objects.filter(facilities__in=facilities).distinct().first()
    if program is None:
        raise PermissionDenied(refusal)
    return program


def visible_patients(user: User) -> QuerySet[Patient]:
    """Patients with an episode at one of the user's facilities, or registered at one."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    return Patient.objects.filter(
        Q(episodes__facility_id__in=facility_ids) | Q(registered_at_id__in=facility_ids)
    ).distinct()


def get_patient_for_user(
    user: User, patient_uuid: UUID | str, *, capability: str | None = None
) -> Patient:
    """The patient if ``user`` may see the record, checked for ``capability`` when given.

    Under the user's emergency grant the record is visible read-only: no capability holds there.
    """
    patient = visible_patients(user).filter(uuid=patient_uuid).select_related("program").first()
    if patient is None:
        patient = _under_emergency_grant(
            user, Patient.objects.filter(uuid=patient_uuid).select_related("program")
        )
    if patient is None:
        raise Http404("No such patient.")
    if capability and not may(user, capability, patient):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return patient


def patient_facility_ids(patient: Patient) -> set[int]:
    """The facilities that know the patient: where an episode was, and where registered."""
    ids = set(patient.episodes.values_list("facility_id", flat=True))
    if patient.registered_at_id is not None:
        ids.add(patient.registered_at_id)
    return ids


def may(user: User, capability: str, patient: Patient) -> bool:
    """True when ``user`` holds ``capability`` at a facility that knows ``patient``."""
    return bool(permissions.facility_ids_with(user, capability) & patient_facility_ids(patient))


def current_episode_for_user(user: User, patient: Patient) -> Episode | None:
    """The patient's episode this user may see: the active one, else the latest.

    Only episodes at the user's own facilities count, so a patient known to two facilities never
    shows one facility's stay to staff of the other; under an emergency grant (and only when the
    user has no episode of the patient in their own facilities) every episode counts.
    """
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    episodes = patient.episodes.filter(facility_id__in=facility_ids).select_related(
        "facility__program", "bed"
    )
    found = episodes.filter(status=Episode.Status.ACTIVE).first() or episodes.first()
    if found is None and patient.pk in granted_patient_ids(user):
        episodes = patient.episodes.select_related("facility__program", "bed")
        found = episodes.filter(status=Episode.Status.ACTIVE).first() or episodes.first()
    return found


def visible_episodes(user: User, patient: Patient) -> list[Episode]:
    """Every episode of ``patient`` at the user's facilities, newest first (one query): the
    history a readmitted patient's chart lists."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    return list(
        patient.episodes.filter(facility_id__in=facility_ids)
        .select_related("facility", "bed")
        .order_by("-admitted_at")
    )


EPISODE_RELATED = ("patient", "facility__program", "bed")


def get_episode_for_user(
    user: User,
    episode_uuid: UUID | str,
    *,
    capability: str | None = None,
    related: tuple[str, ...] = EPISODE_RELATED,
) -> Episode:
    """The episode if ``user`` may see its chart, checked for ``capability`` when given.

    ``related``: the relations read in the same query (a page that shows no bed leaves it out).
    """
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    episodes = Episode.objects.filter(uuid=episode_uuid).select_related(*related)
    try:
        # The uuid is unique: no order to ask for (``first()`` would sort by key for nothing).
        episode: Episode | None = episodes.get(facility_id__in=facility_ids)
    except Episode.DoesNotExist:
        episode = _under_emergency_grant(user, episodes, field="patient_id")
    if episode is None:
        raise Http404("No such episode.")
    if capability and not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return episode


def _under_emergency_grant(
    user: User, candidates: QuerySet[_Record], *, field: str = "pk"
) -> _Record | None:
    """The fallback to emergency access (staff app): only records of patients under a grant."""
    granted = granted_patient_ids(user)
    return candidates.filter(**{f"{field}__in": granted}).first() if granted else None


def get_allergy_for_user(user: User, allergy_uuid: UUID | str, *, capability: str) -> Allergy:
    """The allergy entry if ``user`` may see its patient (404) and do ``capability`` (403)."""
    allergy = (
        Allergy.objects.filter(uuid=allergy_uuid, patient__in=visible_patients(user))
        .select_related("patient")
        .first()
    )
    if allergy is None:
        raise Http404("No such allergy entry.")
    if not may(user, capability, allergy.patient):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return allergy
