from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.audit import log
from detoxdesk.clinical import errors, scales, vitals
from detoxdesk.lib.forms import apply_errors
from detoxdesk.monitoring import actions
from detoxdesk.monitoring.forms import AssessmentForm, VitalsForm
from detoxdesk.monitoring.models import Scale
from detoxdesk.monitoring.policy import scale_bands
from detoxdesk.patients import access

# What the recording pages read of the episode: its patient and its facility's program (no bed).
RECORDING_RELATED = ("patient", "facility__program")
SCALE_SLUGS = {"cows": Scale.COWS, "sows": Scale.SOWS, "ciwa-ar": Scale.CIWA_AR}


def _summarise_unanswered(form: AssessmentForm, scale: scales.Scale) -> None:
    """Name the items left unanswered at the top, as well as beside each of them."""
    left = [
        item.label
        for item in scale.items
        if item.key in form.errors and form.data.get(item.key) in (None, "")
    ]
    if left:
        form.add_error(
            None,
            f"{len(left)} of {len(scale.items)} items are not answered: {', '.join(left)}. "
            "Answer every item, then save.",
        )


@login_required
@require_http_methods(["GET", "POST"])
def record_assessment(request: HttpRequest, episode_uuid: str, scale_slug: str) -> HttpResponse:
    user = staff_user(request)
    if scale_slug not in SCALE_SLUGS:
        raise Http404("No such scale.")
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.ASSESSMENT_RECORD, related=RECORDING_RELATED
    )
    scale = scales.get_scale(SCALE_SLUGS[scale_slug])
    form = AssessmentForm(scale, request.POST or None)
    warnings: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        taken = form.vital_values()
        unusual = vitals.plausibility_warnings(_plain(taken)) if taken else {}
        try:
            assessment = actions.do_record_assessment(
                episode,
                scale.code,
                form.answers(),
                acting_user=user,
                performed_at=form.cleaned_data["performed_at"],
                measured_heart_rate=form.cleaned_data.get("measured_heart_rate"),
                on_behalf_of_patient=form.cleaned_data.get("on_behalf_of_patient", False),
                note=form.cleaned_data["note"],
                vitals=taken,
                vitals_confirmed=form.confirmed(unusual),
            )
        except actions.VitalsNeedConfirmation as exc:
            warnings = exc.warnings
        except ValidationError as exc:
            apply_errors(form, exc)
            _summarise_unanswered(form, scale)
        else:
            band = f" ({assessment.band_label})" if assessment.band_label else ""
            taken_too = " with vital signs" if _any_value(taken) else ""
            messages.success(request, f"{scale.name} {assessment.total}{band} recorded{taken_too}.")
            return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    if request.method == "GET":
        log.viewed(
            user,
            "flowsheet.viewed",
            patient=episode.patient,
            facility=episode.facility,
            changes={"scale": scale.code},
        )
    bands = scale_bands(episode.facility.program, scale)
    return render(
        request,
        "monitoring/assessment_form.html",
        {
            "episode": episode,
            "scale": scale,
            "form": form,
            "warnings": [(form[key], message) for key, message in warnings.items()],
            "confirm_token": form.token(warnings) if warnings else "",
            "band_data": {
                "items": len(scale.items),
                "pulse_item": scales.cows_pulse_table() if scale.code == Scale.COWS else None,
                "bands": [
                    {"label": b.label, "low": b.low, "high": b.high}
                    for b in (scale.bands if bands is None else bands)
                ],
            },
        },
        status=400 if warnings else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_vitals(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    """Record vitals; a value outside the typo-check range is shown back for confirmation."""
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.VITALS_RECORD, related=RECORDING_RELATED
    )
    form = VitalsForm(request.POST or None)
    warnings: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        unusual = vitals.plausibility_warnings(_plain(form.values()))
        try:
            actions.do_record_vitals(
                episode,
                form.values(),
                acting_user=user,
                measured_at=form.cleaned_data["measured_at"],
                confirmed=form.confirmed(unusual),
            )
        except actions.VitalsNeedConfirmation as exc:
            warnings = exc.warnings
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Vital signs recorded.")
            return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    context = {
        "episode": episode,
        "form": form,
        "warnings": [(form[key], message) for key, message in warnings.items()],
        "confirm_token": form.token(warnings) if warnings else "",
    }
    status = 400 if form.errors or warnings else 200
    log.viewed(user, "vitals_form.viewed", patient=episode.patient, facility=episode.facility)
    return render(request, "monitoring/vitals_form.html", context, status=status)


def _any_value(values: dict[str, object] | None) -> bool:
    return values is not None and any(value not in (None, "") for value in values.values())


def _plain(values: dict[str, object]) -> dict[str, int | float | None]:
    """The entered values as numbers, for the typo check (the engine validates them first)."""
    try:
        return vitals.validate_vitals(values)
    except errors.InvalidInput:
        return {}
