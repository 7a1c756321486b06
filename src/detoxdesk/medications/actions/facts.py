"""What the safety engine reads about the patient: the medication facts, the medications taken
from home, and the PDMP checks recorded for the episode."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import products
from detoxdesk.medications.actions.checks import _clock, _require
from detoxdesk.medications.models import HomeMedication, PatientFacts, PdmpCheck
from detoxdesk.patients.models import Episode

FACT_FIELDS = (
    "opioid_class",
    "last_opioid_use_at",
    "fentanyl_exposure",
    "benzodiazepine_use",
    "pregnant",
    "qtc_ms",
    "qtc_measured_at",
    "child_pugh_score",
    "egfr",
    "weight_kg",
)


def facts_read_mark(facts: PatientFacts | None) -> str:
    """When the facts were last saved ("" before the first save), as the edit form carries it."""
    return facts.updated_at.isoformat() if facts is not None else ""


def _facts_overtaken(current: PatientFacts, values: Mapping[str, Any]) -> str:
    """Who saved the facts after the form was read, and their values where they differ."""
    who = current.updated_by.display_name if current.updated_by else "Someone else"
    when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
    differs = [
        f"{key.replace('_', ' ')} {_shown(getattr(current, key))}"
        for key in FACT_FIELDS
        if key in values and getattr(current, key) != values[key]
    ]
    return (
        f"{who} saved these facts at {when}, after you opened the form (theirs differ from "
        f"yours in: {'; '.join(differs) or 'nothing'}), so yours were not saved. The form now "
        "shows their facts; make your change again."
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(not recorded)"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def do_update_facts(
    episode: Episode,
    *,
    acting_user: User,
    read_mark: str | None = None,
    now: datetime | None = None,
    **values: Any,
) -> PatientFacts:
    """Record what the safety engine needs to know about the patient (FACT_FIELDS).

    With ``read_mark`` (:func:`facts_read_mark` when the form was read), a save after someone
    else's is refused, saving nothing, with a message naming them and their values.
    """
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    if unknown := set(values) - set(FACT_FIELDS):
        raise TypeError(f"Unknown facts: {sorted(unknown)}")
    now = _clock(now)
    if values.get("opioid_class") not in (None, "", *PatientFacts.OpioidClass.values):
        raise ValidationError({"opioid_class": "Choose the opioid last used."})
    for key in ("last_opioid_use_at", "qtc_measured_at"):
        if (moment := values.get(key)) is not None and moment > now:
            raise ValidationError({key: "This time is in the future."})
    with transaction.atomic():
        # The episode's lock orders saves, the first one (which creates the row) included.
        Episode.objects.select_for_update().get(pk=episode.pk)
        found = PatientFacts.objects.select_related("updated_by").filter(episode=episode).first()
        if found is not None and read_mark is not None and read_mark != facts_read_mark(found):
            raise ValidationError(_facts_overtaken(found, values), code="stale")
        facts = found or PatientFacts(episode=episode)
        changed = {k: str(v) for k, v in values.items() if getattr(facts, k, None) != v}
        for key, value in values.items():
            setattr(facts, key, value)
        facts.updated_at, facts.updated_by = now, acting_user
        facts.full_clean(exclude=["episode", "updated_by"])
        facts.save()
        log.record(
            "medication_facts.updated",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=episode,
            changes=changed,
        )
    return facts


def _home_drugs() -> frozenset[str]:
    return frozenset(code for code, _ in home_drug_choices())


def home_drug_choices() -> list[tuple[str, str]]:
    """Products and ingredients of the clinical knowledge, for the home-medication form."""
    seen = dict(products.ingredient_choices())
    for code, product in products.catalogue().products.items():
        seen.setdefault(code, product.label)
    return sorted(seen.items(), key=lambda pair: pair[1])


def do_record_home_medication(
    episode: Episode,
    *,
    acting_user: User,
    drug: str,
    dose_mg: Decimal | None = None,
    doses_per_day: int | None = None,
    frequency: str = "",
    now: datetime | None = None,
) -> HomeMedication:
    """Record a medication the patient takes from home; every safety check then sees it."""
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    errors: dict[str, str] = {}
    if drug not in _home_drugs():
        errors["drug"] = "Choose the medication from the list."
    if dose_mg is not None and dose_mg <= 0:
        errors["dose_mg"] = "The dose must be greater than 0 mg, or left empty."
    if doses_per_day is not None and doses_per_day <= 0:
        errors["doses_per_day"] = "Must be 1 or more, or left empty."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = HomeMedication.objects.create(
            episode=episode,
            drug=drug,
            dose_mg=dose_mg,
            doses_per_day=doses_per_day,
            frequency=frequency.strip(),
            recorded_at=_clock(now),
            recorded_by=acting_user,
        )
        log.record(
            "home_medication.recorded",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"drug": drug, "dose_mg": None if dose_mg is None else str(dose_mg)},
        )
    return row


def do_stop_home_medication(
    row: HomeMedication, *, acting_user: User, now: datetime | None = None
) -> HomeMedication:
    """Mark a home medication stopped; it leaves the medication picture from then on."""
    episode = row.episode
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    now = _clock(now)
    with transaction.atomic():
        updated = HomeMedication.objects.filter(pk=row.pk, stopped_at=None).update(stopped_at=now)
        if not updated:
            raise ValidationError("This home medication is already marked stopped.")
        log.record(
            "home_medication.stopped",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"drug": row.drug},
        )
    row.stopped_at = now
    return row


def do_record_pdmp_check(
    episode: Episode,
    *,
    acting_user: User,
    outcome: str,
    checked_at: datetime,
    states: list[str] | None = None,
    result_summary: str = "",
    action_taken: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> PdmpCheck:
    """Record a PDMP check (SPEC A12): the states queried, when, the result and the action
    taken; or that the PDMP could not be queried, and why. By a prescriber (``order.sign``)."""
    _require(acting_user, permissions.ORDER_SIGN, episode)
    now = _clock(now)
    states = [state.strip().upper() for state in states or [] if state.strip()]
    errors: dict[str, str] = {}
    if outcome not in PdmpCheck.Outcome.values:
        errors["outcome"] = "Say whether the PDMP was queried or could not be."
    if checked_at > now + timedelta(seconds=django_settings.FUTURE_TOLERANCE_SECONDS):
        errors["checked_at"] = "This time is in the future."
    if outcome == PdmpCheck.Outcome.QUERIED:
        if not states:
            errors["states"] = "Name the state or states queried."
        if not result_summary.strip():
            errors["result_summary"] = "Summarise what the PDMP showed."
        if not action_taken.strip():
            errors["action_taken"] = "Say what was done (e.g. no change, discussed with patient)."
    if outcome == PdmpCheck.Outcome.COULD_NOT_QUERY and not reason.strip():
        errors["reason"] = "Say why the PDMP could not be queried."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = PdmpCheck.objects.create(
            episode=episode,
            outcome=outcome,
            states=states,
            checked_at=checked_at,
            result_summary=result_summary.strip(),
            action_taken=action_taken.strip(),
            reason=reason.strip(),
            recorded_by=acting_user,
            recorded_at=now,
        )
        log.record(
            "pdmp.checked",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"outcome": outcome, "states": states},
        )
    return row
