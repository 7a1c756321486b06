from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access, actions, allergies, golive
from detoxdesk.patients import search as patient_search
from detoxdesk.patients.forms import (
    AllergyForm,
    CodeStatusForm,
    DemographicsForm,
    EpisodeIntervalForm,
    PatientSearchForm,
    ProgramSettingsForm,
    RemoveAllergyForm,
    sows_bands_text,
)
from detoxdesk.patients.models import Contact, Patient, Program

FormT = TypeVar("FormT", bound=forms.Form)


@login_required
@require_http_methods(["GET", "POST"])
def episode_interval(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    form = EpisodeIntervalForm(
        request.POST or None,
        initial={"assessment_interval_minutes": episode.assessment_interval_minutes},
    )
    if request.method == "POST" and form.is_valid():
        actions.do_set_episode_interval(
            episode, acting_user=user, minutes=form.cleaned_data["assessment_interval_minutes"]
        )
        messages.success(request, "The assessment interval for this episode was saved.")
        return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    return render(request, "patients/episode_interval.html", {"episode": episode, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    program = access.configured_program(user)
    form = ProgramSettingsForm(request.POST or None, initial=_settings_initial(program))
    if request.method == "POST" and form.is_valid():
        actions.do_change_program_settings(
            program,
            acting_user=user,
            values={
                "assessment_interval_minutes": form.cleaned_data["assessment_interval_minutes"],
                "vital_ranges": form.vital_ranges(),
                "vital_hard_limits": form.vital_ranges("hard_"),
                "sows_bands": form.cleaned_data["sows_bands"],
            },
        )
        messages.success(request, "Program settings saved.")
        return redirect("patients:program_settings")
    return render(request, "patients/program_settings.html", {"program": program, "form": form})


def _settings_initial(program: Program) -> dict[str, object]:
    initial: dict[str, object] = {
        "assessment_interval_minutes": program.assessment_interval_minutes,
        "sows_bands": sows_bands_text(program.sows_bands or []),
    }
    for prefix, table in (("", program.vital_ranges), ("hard_", program.vital_hard_limits)):
        for key, limits in (table or {}).items():
            initial[f"{key}_{prefix}low"] = limits.get("low")
            initial[f"{key}_{prefix}high"] = limits.get("high")
    return initial


# --- Allergies -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def allergies_page(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """The patient's allergies: the list, a form to add one, and "no known allergies"."""
    user = staff_user(request)
    patient = access.get_patient_for_user(user, patient_uuid, capability=access.ALLERGY_RECORD)
    form = AllergyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            allergy = actions.do_record_allergy(patient, acting_user=user, values=form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Allergy to {allergy.label} recorded.")
            return redirect("patients:allergies", patient_uuid=patient.uuid)
    if request.method == "GET":
        log.viewed(user, "allergies.viewed", patient=patient, target=patient)
    context = {"patient": patient, "form": form, "allergy_status": allergies.status(patient)}
    return render(request, "patients/allergies.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def no_known_allergies(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    user = staff_user(request)
    patient = access.get_patient_for_user(user, patient_uuid, capability=access.ALLERGY_RECORD)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm the patient was asked about allergies.")
        return redirect("patients:allergies", patient_uuid=patient.uuid)
    actions.do_state_no_known_allergies(patient, acting_user=user)
    messages.success(request, "Recorded: no known allergies.")
    return redirect("patients:allergies", patient_uuid=patient.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def edit_allergy(request: HttpRequest, allergy_uuid: str) -> HttpResponse:
    user = staff_user(request)
    allergy = access.get_allergy_for_user(user, allergy_uuid, capability=access.ALLERGY_RECORD)
    form = AllergyForm.for_allergy(allergy, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_allergy(
                allergy,
                acting_user=user,
                values=form.values(),
                expected_version=_int(request.POST.get("version")),
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # overtaken: show the values saved meanwhile
                allergy.refresh_from_db()
                form = _bound(AllergyForm.for_allergy(allergy))
            apply_errors(form, exc)
        else:
            messages.success(request, f"Allergy to {allergy.label} saved.")
            return redirect("patients:allergies", patient_uuid=allergy.patient.uuid)
    if request.method == "GET":
        log.viewed(user, "allergies.viewed", patient=allergy.patient, target=allergy.patient)
    context = {
        "patient": allergy.patient,
        "allergy": allergy,
        "form": form,
        "version": allergy.version,
        "remove_form": RemoveAllergyForm(),
    }
    return render(
        request, "patients/allergy_edit.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["POST"])
def remove_allergy(request: HttpRequest, allergy_uuid: str) -> HttpResponse:
    user = staff_user(request)
    allergy = access.get_allergy_for_user(user, allergy_uuid, capability=access.ALLERGY_RECORD)
    form = RemoveAllergyForm(request.POST)
    if form.is_valid():
        actions.do_remove_allergy(allergy, acting_user=user, reason=form.cleaned_data["reason"])
        messages.success(request, f"The entry for {allergy.label} was removed.")
        return redirect("patients:allergies", patient_uuid=allergy.patient.uuid)
    context = {
        "patient": allergy.patient,
        "allergy": allergy,
        "form": AllergyForm.for_allergy(allergy),
        "version": allergy.version,
        "remove_form": form,
    }
    return render(request, "patients/allergy_edit.html", context, status=400)


def _bound(form: FormT) -> FormT:
    """``form`` bound to its own initial values, so errors can be added to a fresh copy."""
    bound = type(form)(data={name: form[name].value() for name in form.fields})
    bound.is_valid()
    return bound


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 0


# --- Demographics --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def demographics(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """Name, date of birth, sex at birth, the patient's phone and the emergency contact."""
    user = staff_user(request)
    patient = access.get_patient_for_user(user, patient_uuid, capability=access.DEMOGRAPHICS_EDIT)
    contacts = list(patient.contacts.all())
    emergency = next((c for c in contacts if c.kind == Contact.Kind.EMERGENCY), None)
    form = DemographicsForm.for_patient(patient, emergency, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_demographics(
                patient,
                acting_user=user,
                values=form.patient_values(),
                contact=form.contact_values(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            patient.refresh_from_db()
            form = _bound(DemographicsForm.for_patient(patient, _current_contact(patient)))
            apply_errors(form, exc)
        else:
            messages.success(request, "Demographics and contact saved.")
            return redirect("patients:chart", patient_uuid=patient.uuid)
    if request.method == "GET":
        log.viewed(user, "patient.demographics_viewed", patient=patient, target=patient)
    context = {
        "patient": patient,
        "form": form,
        "callers": [c for c in contacts if c.kind == Contact.Kind.CALLER],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/demographics.html", context, status=status)


def _current_contact(patient: Patient) -> Contact | None:
    return patient.contacts.filter(kind=Contact.Kind.EMERGENCY).first()


# --- Before go-live ------------------------------------------------------------------------------


@login_required
def go_live(request: HttpRequest) -> HttpResponse:
    """The director's list of every clinical parameter still unset, with where to set it."""
    user = staff_user(request)
    program = access.configured_program(user, "Only a program director can see this list.")
    items = golive.unset_parameters(program)
    log.viewed(user, "golive.viewed", changes={"unset": len(items)})
    return render(request, "patients/go_live.html", {"program": program, "items": items})


# --- Code status ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def code_status(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    """Record the episode's code status; a stale form is refused and shows what changed."""
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    form = CodeStatusForm.for_episode(episode, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_code_status(
                episode,
                acting_user=user,
                code_status=form.cleaned_data["code_status"],
                note=form.cleaned_data["code_status_note"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            episode.refresh_from_db()
            if not hasattr(exc, "error_dict"):  # overtaken: show the values saved meanwhile
                form = _bound(CodeStatusForm.for_episode(episode))
            apply_errors(form, exc)
        else:
            messages.success(request, "Code status saved.")
            return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    if request.method == "GET":
        log.viewed(user, "episode.code_status_viewed", target=episode)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "patients/code_status.html", {"episode": episode, "form": form}, status=status
    )


# --- Finding a patient ---------------------------------------------------------------------------


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Every patient of the reader's facilities by name, record number or date of birth,
    discharged ones too; the search and each patient listed are audited."""
    user = staff_user(request)
    if not permissions.facility_ids_with(user, permissions.CHART_VIEW):
        raise PermissionDenied("Your role does not include patient charts.")
    form = PatientSearchForm(request.GET or None)
    found: list[Patient] = []
    has_next = False
    number = _page_number(request.GET.get("page"))
    if form.asked:
        query, born = form.cleaned_data["q"], form.cleaned_data["born"]
        found, has_next = patient_search.page(
            patient_search.matching(user, query, born), number, settings.PATIENT_SEARCH_PAGE_SIZE
        )
        _audit_search(user, found, query=query, born=born is not None, page=number)
    context = {"form": form, "patients": found, "page": number, "has_next": has_next}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "patients/search.html", context, status=status)


def _audit_search(user: User, found: list[Patient], *, query: str, born: bool, page: int) -> None:
    """One event for the search (what was searched by, not the words) and one per patient
    listed, appended together."""
    searched = [key for key, used in (("name_or_number", bool(query)), ("born", born)) if used]
    entries: list[dict[str, Any]] = [
        {
            "event": "patients.searched",
            "actor": user,
            "changes": {"by": searched, "page": page, "results": len(found)},
        }
    ]
    entries += [
        {"event": "patient.found_in_search", "actor": user, "patient": p, "target": p}
        for p in found
    ]
    log.record_many(entries)
