"""Intake queue, inquiries, evaluations, placement, treatment plans and admission (staff pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.beds import queries as bed_queries
from detoxdesk.clinical import asam4, knowledge, populations
from detoxdesk.intake import access, actions, presentation, queries
from detoxdesk.intake.forms import (
    PAWSS_TITLE,
    AdmitForm,
    CloseForm,
    ConfirmMappingForm,
    ContactAttemptForm,
    ConvertForm,
    EditionsForm,
    EvaluationForm,
    IntakeSettingsForm,
    LevelDecisionForm,
    PlanForm,
    QueueFilterForm,
    ScheduleForm,
    StaffInquiryForm,
)
from detoxdesk.intake.models import Evaluation, Inquiry, TreatmentPlan
from detoxdesk.labs import queries as lab_queries
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access as patient_access
from detoxdesk.patients import phones
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program
from detoxdesk.patients.pregnancy import can_become_pregnant, pregnancy_may_apply

QUEUE_PAGE_SIZE = 25


# --- Queue and inquiries -------------------------------------------------------------------------


def _queue(user: User, form: QueueFilterForm) -> QuerySet[Inquiry]:
    facility_ids = permissions.facility_ids_with(user, permissions.INQUIRY_MANAGE)
    inquiries = Inquiry.objects.filter(facility_id__in=facility_ids).select_related(
        "facility", "duplicate_of"
    )
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or "open"
    if show == "open":
        inquiries = inquiries.filter(status__in=Inquiry.OPEN_STATUSES)
    elif show == "closed":
        inquiries = inquiries.exclude(status__in=Inquiry.OPEN_STATUSES)
    term = (data.get("q") or "").strip()
    if term:
        inquiries = inquiries.filter(
            Q(given_name__icontains=term)
            | Q(family_name__icontains=term)
            | Q(phone__icontains=term)
            | Q(email__icontains=term)
        )
    return inquiries.annotate(
        attempt_count=Count("attempts"), **bed_queries.held_bed(timezone.now())
    ).order_by("urgency", "received_at")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not permissions.can(user, permissions.INQUIRY_MANAGE):
        raise PermissionDenied("Your role does not manage inquiries.")
    form = QueueFilterForm(request.GET or None)
    log.viewed(user, "inquiry.queue_viewed")
    page = Paginator(_queue(user, form), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "now": timezone.now(),
        "can_reserve": permissions.can(user, permissions.BED_RESERVE),
    }
    return render(request, "intake/queue.html", context)


def _inquiry_context(inquiry: Inquiry, **forms: Form) -> dict[str, Any]:
    settings = actions.settings_for(inquiry.facility.program)
    return {
        "inquiry": inquiry,
        "attempts": inquiry.attempts.select_related("recorded_by"),
        "duplicates": inquiry.duplicates.all() if inquiry.duplicate_of_id is None else [],
        "unanswered": actions.unanswered_attempts(inquiry),
        "intake_settings": settings,
        "now": timezone.now(),
        "contact_form": forms.get("contact_form") or ContactAttemptForm(),
        "schedule_form": forms.get("schedule_form")
        or ScheduleForm(initial={"evaluation_at": inquiry.evaluation_at}),
        "close_form": forms.get("close_form") or CloseForm(),
        "convert_form": forms.get("convert_form") or _convert_form(inquiry),
        "record_number_generated": settings.record_numbers == "generated",
        "to_admit": _signed_unadmitted(inquiry),
        "patient_numbers": (
            phones.numbers_for([inquiry.patient]).get(inquiry.patient.pk, [])
            if inquiry.patient is not None
            else []
        ),
    }


def _convert_form(inquiry: Inquiry, data: Any = None) -> ConvertForm:
    generated = actions.generates_record_numbers(inquiry.facility.program)
    return ConvertForm.for_inquiry(inquiry, data, generated_numbers=generated)


def _signed_unadmitted(inquiry: Inquiry) -> Evaluation | None:
    if inquiry.patient_id is None:
        return None
    return Evaluation.objects.filter(
        patient_id=inquiry.patient_id, status=Evaluation.Status.SIGNED, episode__isnull=True
    ).first()


@login_required
def inquiry(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_inquiry_for_user(user, inquiry_uuid)
    log.viewed(user, "inquiry.viewed", target=found)
    returning = actions.returning_candidates(found, user)
    log.record_many(
        [
            {
                "event": "patient.found_in_search",
                "actor": user,
                "patient": p,
                "target": p,
                "changes": {"inquiry": str(found.uuid)},
            }
            for p in returning
        ]
    )
    context = {**_inquiry_context(found), "returning": returning}
    return render(request, "intake/inquiry.html", context)


def _inquiry_post(
    request: HttpRequest,
    inquiry_uuid: str,
    form_class: Callable[..., Form],
    form_key: str,
    act: Callable[[Inquiry, User, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """One inquiry form posted: run the action, or show the page again with the errors."""
    user = staff_user(request)
    found = access.get_inquiry_for_user(user, inquiry_uuid)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(found, user, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("intake:inquiry", inquiry_uuid=found.uuid)
    context = _inquiry_context(found, **{form_key: form})
    return render(request, "intake/inquiry.html", context, status=400)


@login_required
@require_POST
def log_contact(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    return _inquiry_post(
        request,
        inquiry_uuid,
        ContactAttemptForm,
        "contact_form",
        lambda i, u, d: actions.do_log_contact_attempt(
            i, acting_user=u, outcome=d["outcome"], attempted_at=d["attempted_at"], note=d["note"]
        ),
        "Contact attempt logged.",
    )


@login_required
@require_POST
def schedule(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    return _inquiry_post(
        request,
        inquiry_uuid,
        ScheduleForm,
        "schedule_form",
        lambda i, u, d: actions.do_schedule_evaluation(
            i, acting_user=u, evaluation_at=d["evaluation_at"], note=d["note"]
        ),
        "Evaluation scheduled.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_inquiry(request: HttpRequest) -> HttpResponse:
    """Take down an inquiry while someone is on the phone."""
    user = staff_user(request)
    facilities = permissions.facilities_with(user, permissions.INQUIRY_MANAGE).order_by("name")
    if not facilities.exists():
        raise PermissionDenied("Your role does not manage inquiries.")
    form = StaffInquiryForm(facilities, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            taken = actions.do_take_phone_inquiry(
                form.cleaned_data["facility"], acting_user=user, values=form.values()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Inquiry saved.")
            return redirect("intake:inquiry", inquiry_uuid=taken.uuid)
    status = 400 if form.is_bound else 200
    return render(request, "intake/new_inquiry.html", {"form": form}, status=status)


@login_required
@require_POST
def close(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    """Closing ends the work on an inquiry: a first post shows what will be recorded to confirm."""
    if request.POST.get("confirmed") != "yes":
        return _confirm_close(request, inquiry_uuid)
    return _inquiry_post(
        request,
        inquiry_uuid,
        CloseForm,
        "close_form",
        lambda i, u, d: actions.do_close_inquiry(
            i, acting_user=u, reason=d["reason"], note=d["note"]
        ),
        "Inquiry closed.",
    )


def _confirm_close(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_inquiry_for_user(user, inquiry_uuid)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return render(
            request, "intake/inquiry.html", _inquiry_context(found, close_form=form), status=400
        )
    reason = Inquiry.CloseReason(form.cleaned_data["reason"])
    context = {"inquiry": found, "form": form, "reason_label": reason.label}
    return render(request, "intake/close_confirm.html", context)


@login_required
@require_POST
def convert(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_inquiry_for_user(user, inquiry_uuid)
    form = _convert_form(found, request.POST)
    if found.patient is not None or form.is_valid():
        try:
            values = form.cleaned_data if found.patient is None else {}
            patient = actions.do_convert_inquiry(found, acting_user=user, values=values)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"{patient.full_name} is now a patient ({patient.record_number})."
            )
            if permissions.can(user, permissions.CHART_VIEW, found.facility):
                return redirect("patients:chart", patient_uuid=patient.uuid)
            return redirect("intake:inquiry", inquiry_uuid=found.uuid)
    return render(
        request, "intake/inquiry.html", _inquiry_context(found, convert_form=form), status=400
    )


@login_required
@require_POST
def link_returning(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    """Convert the inquiry to one of the returning patients the page offered."""
    user = staff_user(request)
    found = access.get_inquiry_for_user(user, inquiry_uuid)
    wanted = request.POST.get("patient", "")
    patient = next(
        (p for p in actions.returning_candidates(found, user) if str(p.uuid) == wanted), None
    )
    if patient is None:
        messages.error(request, "Choose one of the records listed, or register the person.")
        return redirect("intake:inquiry", inquiry_uuid=found.uuid)
    try:
        actions.do_link_returning_patient(found, patient, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("intake:inquiry", inquiry_uuid=found.uuid)
    messages.success(
        request, f"Linked to {patient.full_name} ({patient.record_number}), a returning patient."
    )
    if permissions.can(user, permissions.CHART_VIEW, found.facility):
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return redirect("intake:inquiry", inquiry_uuid=found.uuid)


# --- Evaluations ---------------------------------------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Patients registered at the user's facilities with no active episode: to evaluate or admit."""
    user = staff_user(request)
    facility_ids = permissions.facility_ids_with(user, permissions.EVALUATION_RECORD)
    if not facility_ids:
        raise PermissionDenied("Your role does not evaluate patients.")
    patients = (
        Patient.objects.filter(registered_at_id__in=facility_ids)
        .exclude(episodes__status=Episode.Status.ACTIVE)
        .select_related("registered_at")
        .prefetch_related(
            Prefetch("evaluations", queryset=Evaluation.objects.order_by("-created_at")),
            Prefetch("inquiries", queryset=Inquiry.objects.order_by("-received_at")),
        )
        .order_by("-created_at")
    )
    log.viewed(user, "evaluation.worklist_viewed")
    page = Paginator(patients, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/worklist.html", {"page": page})


def _evaluation_facility(user: User, patient: Patient) -> Facility:
    """Where the evaluation belongs: the registering facility, else one of the patient's stays."""
    allowed = permissions.facility_ids_with(user, permissions.EVALUATION_RECORD)
    if patient.registered_at is not None and patient.registered_at.pk in allowed:
        return patient.registered_at
    episode = patient.episodes.filter(facility_id__in=allowed).select_related("facility").first()
    if episode is None:
        raise PermissionDenied("Your role cannot evaluate this patient.")
    return episode.facility


@login_required
@require_POST
def start_evaluation(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    user = staff_user(request)
    patient = patient_access.get_patient_for_user(user, patient_uuid)
    facility = _evaluation_facility(user, patient)
    inquiry = Inquiry.objects.filter(patient=patient).order_by("-received_at").first()
    evaluation = actions.do_start_evaluation(patient, facility, acting_user=user, inquiry=inquiry)
    return redirect("intake:evaluation_edit", evaluation_uuid=evaluation.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    evaluation = access.get_evaluation_for_user(
        user, evaluation_uuid, capability=permissions.EVALUATION_RECORD
    )
    if evaluation.status == Evaluation.Status.SIGNED:
        return redirect("intake:evaluation", evaluation_uuid=evaluation.uuid)
    pregnancy_applies = pregnancy_may_apply(evaluation.patient)
    form = EvaluationForm(
        request.POST or None, answers=evaluation.answers, pregnancy_applies=pregnancy_applies
    )
    form.initial["read_mark"] = actions.evaluation_read_mark(evaluation)
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST
        read_mark = form.cleaned_data["read_mark"] if "read_mark" in request.POST else None
        try:
            actions.do_save_evaluation(
                evaluation,
                acting_user=user,
                answers=form.answers(),
                complete=complete,
                read_mark=read_mark,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            if getattr(exc, "code", None) == "stale":  # show their answers, to change again
                evaluation.refresh_from_db()
                shown = EvaluationForm.initial_from(evaluation.answers)
                form.data = {**shown, "read_mark": actions.evaluation_read_mark(evaluation)}
        else:
            messages.success(request, "Evaluation completed." if complete else "Draft saved.")
            target = "intake:evaluation" if complete else "intake:evaluation_edit"
            return redirect(target, evaluation_uuid=evaluation.uuid)
    if request.method == "GET":
        log.viewed(user, "evaluation.viewed", target=evaluation)
    now = timezone.now()
    pawss = presentation.pawss_view(
        evaluation.answers,
        {},
        now,
        alcohol_positive=queries.alcohol_test_positive(evaluation.patient, now),
    )
    context = {"evaluation": evaluation, "form": form, "pawss": pawss, "pawss_title": PAWSS_TITLE}
    return render(request, "intake/evaluation_form.html", context)


def _pregnant(evaluation: Evaluation) -> bool:
    """Pregnant per the evaluation's answer (a recorded test reaches the chart and the taper)."""
    return evaluation.answers.get("pregnant") is True


def _pregnancy_test_prompt(evaluation: Evaluation) -> str | None:
    """The intake prompt to offer a pregnancy test (buppractice, SPEC A8), or None."""
    # A test counts from the start of this evaluation: an earlier stay's test is not this intake's.
    due = populations.pregnancy_test_due(
        can_become_pregnant(evaluation.patient),
        evaluation.answers.get("pregnant"),
        tested=lab_queries.pregnancy_tested(evaluation.patient_id, evaluation.created_at),
    )
    return populations.pregnancy_test_prompt().text if due else None


def _evaluation_context(
    user: User, evaluation: Evaluation, decision_form: Form | None = None
) -> dict[str, Any]:
    now = timezone.now()
    chosen = actions.placement_settings_for(evaluation.patient.program)
    adolescent = actions.is_adolescent(evaluation)
    initial = {
        # An adolescent's level is the clinician's own review: nothing is preselected.
        "level": evaluation.chosen_level or ("" if adolescent else evaluation.recommended_level),
        "reason": evaluation.level_reason,
    }
    return {
        "evaluation": evaluation,
        "patient": evaluation.patient,
        "result": presentation.placement_view(
            evaluation.placement,
            evaluation.answers,
            edition=chosen.edition_shown,  # type: ignore[arg-type]
            confirmed=actions.confirmed_fourth_mapping(chosen),
        ),
        "adolescent": adolescent,
        "course": presentation.course_view(evaluation.answers, now),
        "pawss": presentation.pawss_view(
            evaluation.answers,
            evaluation.placement,
            now,
            alcohol_positive=queries.alcohol_test_positive(evaluation.patient, now),
        ),
        "answers": presentation.answers_view(evaluation.answers),
        "substances": presentation.substances_view(evaluation.answers),
        "plan": TreatmentPlan.objects.filter(evaluation=evaluation).first(),
        "moud_first": populations.moud_first_offer() if _pregnant(evaluation) else None,
        "moud_first_source": knowledge.source(populations.moud_first_offer().source).title,
        "decision_form": decision_form or LevelDecisionForm(initial=initial),
        "can_sign": permissions.can(user, permissions.EVALUATION_SIGN, evaluation.facility),
        "can_record": permissions.can(user, permissions.EVALUATION_RECORD, evaluation.facility),
        "can_plan": permissions.can(user, permissions.TREATMENT_PLAN_EDIT, evaluation.facility),
        "can_admit": permissions.can(user, permissions.EPISODE_ADMIT),
    }


@login_required
def evaluation(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_evaluation_for_user(user, evaluation_uuid)
    log.viewed(user, "evaluation.viewed", target=found)
    return render(request, "intake/evaluation.html", _evaluation_context(user, found))


@login_required
@require_POST
def decide_level(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_evaluation_for_user(
        user, evaluation_uuid, capability=permissions.EVALUATION_SIGN
    )
    form = LevelDecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_decide_level(
                found,
                acting_user=user,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Level of care {found.chosen_level} recorded.")
            return redirect("intake:evaluation", evaluation_uuid=found.uuid)
    return render(
        request, "intake/evaluation.html", _evaluation_context(user, found, form), status=400
    )


@login_required
@require_POST
def sign_evaluation(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_evaluation_for_user(
        user, evaluation_uuid, capability=permissions.EVALUATION_SIGN
    )
    try:
        actions.do_sign_evaluation(found, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Evaluation signed.")
    return redirect("intake:evaluation", evaluation_uuid=found.uuid)


# --- Treatment plan ------------------------------------------------------------------------------


@login_required
@require_POST
def draft_plan(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_evaluation_for_user(
        user, evaluation_uuid, capability=permissions.TREATMENT_PLAN_EDIT
    )
    try:
        plan = actions.do_draft_plan(found, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("intake:evaluation", evaluation_uuid=found.uuid)
    return redirect("intake:plan", plan_uuid=plan.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_plan_for_user(user, plan_uuid)
    evaluation = found.evaluation
    initial = {key: getattr(found, key) for key in actions.PLAN_FIELDS}
    initial["read_mark"] = actions.plan_read_mark(found)
    form = PlanForm(request.POST or None, initial=initial, pregnant=_pregnant(evaluation))
    if request.method == "POST":
        if not permissions.can(user, permissions.TREATMENT_PLAN_EDIT, evaluation.facility):
            raise PermissionDenied("Your role cannot edit treatment plans.")
        if form.is_valid():
            try:
                values = dict(form.cleaned_data)
                read_mark = values.pop("read_mark") if "read_mark" in request.POST else None
                actions.do_update_plan(found, acting_user=user, values=values, read_mark=read_mark)
            except ValidationError as exc:
                apply_errors(form, exc)
                if getattr(exc, "code", None) == "stale":  # show their plan, to change again
                    found.refresh_from_db()
                    shown = {key: getattr(found, key) for key in actions.PLAN_FIELDS}
                    form.data = {**shown, "read_mark": actions.plan_read_mark(found)}
            else:
                messages.success(request, "Treatment plan saved.")
                return redirect("intake:plan", plan_uuid=found.uuid)
    else:
        log.viewed(
            user,
            "treatment_plan.viewed",
            target=found,
            patient=evaluation.patient,
            facility=evaluation.facility,
        )
    context = {
        "plan": found,
        "evaluation": evaluation,
        "form": form,
        "can_edit": permissions.can(user, permissions.TREATMENT_PLAN_EDIT, evaluation.facility),
        "can_sign": permissions.can(user, permissions.TREATMENT_PLAN_SIGN, evaluation.facility),
    }
    return render(request, "intake/plan.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def sign_plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_plan_for_user(user, plan_uuid, capability=permissions.TREATMENT_PLAN_SIGN)
    try:
        actions.do_sign_plan(found, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Treatment plan signed.")
    return redirect("intake:plan", plan_uuid=found.uuid)


# --- Admission -----------------------------------------------------------------------------------


def _admit_form(user: User, evaluation: Evaluation, data: Any = None) -> AdmitForm:
    facilities = permissions.facilities_with(user, permissions.EPISODE_ADMIT).filter(
        program_id=evaluation.patient.program_id
    )
    now = timezone.now()
    # Free beds (not occupied, in service, not waiting to be cleaned, held by nobody), and the
    # bed held for this patient, which the form chooses for them.
    reserved = bed_queries.reserved_bed_for(evaluation.patient_id, now)
    available = bed_queries.available(facilities.values_list("pk", flat=True), now)
    free_beds = (
        Bed.objects.filter(
            Q(pk__in=available.values("pk")) | Q(pk=reserved.pk if reserved else None)
        )
        .select_related("facility")
        .order_by("facility__name", "label")
    )
    below = {
        facility.pk: warning
        for facility in facilities
        if (warning := actions.below_level_warning(evaluation, facility)) is not None
    }
    form = AdmitForm(facilities, free_beds, data, below=below)
    if reserved is not None and data is None:
        form.initial.update({"facility": reserved.facility_id, "bed": reserved.pk})
    form.reserved_bed = reserved
    patient = evaluation.patient
    age = patient.age_on(timezone.localdate())
    if populations.is_minor(age):
        form.ask_minor_consent(age, actions.minor_state_rule(patient.program, age))
    return form


@login_required
@require_http_methods(["GET", "POST"])
def admit(request: HttpRequest, evaluation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_evaluation_for_user(user, evaluation_uuid, via=permissions.EPISODE_ADMIT)
    form = _admit_form(user, found, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_admit_from_evaluation(
                found,
                form.cleaned_data["facility"],
                acting_user=user,
                admitted_at=form.cleaned_data["admitted_at"],
                bed=form.cleaned_data["bed"],
                setting=form.cleaned_data["setting"] or None,
                below_level_acknowledged=form.cleaned_data["below_level_acknowledged"],
                below_level_reason=form.cleaned_data["below_level_reason"],
                minor_consent=form.cleaned_data.get("minor_consent", ""),
                minor_consent_detail=form.cleaned_data.get("minor_consent_detail", ""),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{found.patient.full_name} admitted.")
            # An intake coordinator admits but does not read charts: the census shows the patient.
            if permissions.can(user, permissions.CHART_VIEW, form.cleaned_data["facility"]):
                return redirect("patients:chart", patient_uuid=found.patient.uuid)
            return redirect("patients:census")
    return render(
        request,
        "intake/admit.html",
        {
            "evaluation": found,
            "form": form,
            "pregnancy_test": _pregnancy_test_prompt(found),
        },
        status=400 if form.errors else 200,
    )


# --- Settings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def intake_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facility = (
        permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE)
        .select_related("program")
        .first()
    )
    if facility is None:
        raise PermissionDenied("Only a program director can change intake settings.")
    program = facility.program
    current = actions.settings_for(program)
    initial = {
        "max_contact_attempts": current.max_contact_attempts,
        "record_numbers": current.record_numbers,
        "record_number_prefix": current.record_number_prefix,
        "default_facility": current.default_facility,
        "bed_hold_hours": current.bed_hold_hours,
        "minor_consent_from_age": current.minor_consent_from_age,
        "minor_consent_rule": current.minor_consent_rule,
    }
    form = IntakeSettingsForm(program, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_intake_settings(program, acting_user=user, values=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Intake settings saved.")
            return redirect("intake:settings")
    return render(request, "intake/settings.html", {"form": form, "program": program})


@login_required
@require_http_methods(["GET", "POST"])
def placement_settings(request: HttpRequest) -> HttpResponse:
    """The ASAM edition staff see and reports use, and the 4th-edition mapping's confirmation."""
    user = staff_user(request)
    program = patient_access.configured_program(
        user, "Only a program director can change level-of-care settings."
    )
    chosen = actions.placement_settings_for(program)
    confirmed = actions.confirmed_fourth_mapping(chosen)
    version = {"version": chosen.version}
    editions: Form = EditionsForm(
        initial={
            **version,
            "edition_shown": chosen.edition_shown,
            "edition_reports": chosen.edition_reports,
        }
    )
    confirm: Form = ConfirmMappingForm(initial=version, confirmed=confirmed)
    if request.method == "POST":
        form: Form = (
            ConfirmMappingForm(request.POST, confirmed=confirmed)
            if "confirm_mapping" in request.POST
            else EditionsForm(request.POST)
        )
        if form.is_valid() and _save_placement_settings(request, program, form):
            return redirect("intake:placement_settings")
        if isinstance(form, ConfirmMappingForm):
            confirm = form
        else:
            editions = form
    context = {
        "program": program,
        "chosen": chosen,
        "confirmed": confirmed,
        "rows": list(asam4.mapping().values()),
        "editions_form": editions,
        "confirm_form": confirm,
    }
    return render(
        request,
        "intake/placement_settings.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _save_placement_settings(request: HttpRequest, program: Program, form: Form) -> bool:
    user = staff_user(request)
    data = form.cleaned_data
    try:
        if isinstance(form, ConfirmMappingForm):
            actions.do_confirm_fourth_mapping(
                program, acting_user=user, mapping=form.mapping(), expected_version=data["version"]
            )
            messages.success(request, "The 4th-edition mapping is confirmed.")
        else:
            actions.do_change_editions(
                program,
                acting_user=user,
                shown=data["edition_shown"],
                reports=data["edition_reports"],
                expected_version=data["version"],
            )
            messages.success(request, "Level-of-care settings saved.")
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True
