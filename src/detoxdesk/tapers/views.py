from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import reauth_required, staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import errors, taper
from detoxdesk.clinical import mme as mme_engine
from detoxdesk.lib.dates import shown
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access
from detoxdesk.patients.models import Program
from detoxdesk.tapers import actions, charts, forms, queries
from detoxdesk.tapers.access import get_plan_for_user
from detoxdesk.tapers.models import PrescribedOpioid, TaperPlan


def _view_event(user: User, plan: TaperPlan, page: str) -> None:
    log.viewed(user, "taper.viewed", target=plan, changes={"page": page})


def _plan_redirect(plan: TaperPlan) -> HttpResponse:
    return redirect("tapers:plan", plan_uuid=plan.uuid)


# --- Planning -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_plan(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.TAPER_PLAN)
    form = forms.PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.do_draft_plan(
                episode,
                acting_user=user,
                kind=data["kind"],
                start_date=data["start_date"],
                current_daily_dose=data["current_daily_dose"],
                increment=data["increment"],
                unit=data["unit"],
                drug=form.tapered_drug(),
                **form.values(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Draft taper planned: check the schedule, edit, then sign.")
            return _plan_redirect(plan)
    context = {
        "episode": episode,
        "form": form,
        "rules": _kind_rules(),
        "benzodiazepine": taper.benzodiazepine_rule(),
    }
    return render(request, "tapers/plan_form.html", context)


def _kind_rules() -> list[taper.WithdrawalRule]:
    return [taper.withdrawal_rule(kind) for kind in taper.WITHDRAWAL_KINDS]


def _plan_context(user: User, plan: TaperPlan) -> dict[str, Any]:
    today = timezone.localdate()
    days = queries.calendar_days(plan, today)
    rules = queries.settings_for(plan.episode.facility.program if plan.episode else Program())
    flag = queries.hold_flag(plan, rules) if plan.is_live else None
    upcoming = queries.next_reduction(plan, today) if plan.is_live else None
    flagged = upcoming if flag and flag.flagged else None
    facility = plan.episode.facility if plan.episode else None
    return {
        "plan": plan,
        "days": days,
        "today": today,
        "chart": charts.schedule_chart(days, flagged),
        "flag": flag,
        "next_reduction": upcoming,
        "flagged_day": flagged,
        "events": plan.events.select_related("by"),
        "can_plan": permissions.can(user, permissions.TAPER_PLAN, facility),
        "can_report": plan.is_live,
        "hard_day_form": forms.HardDayForm(),
    }


@login_required
def plan_detail(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid)
    _view_event(user, plan, "plan")
    return render(request, "tapers/plan.html", _plan_context(user, plan))


@login_required
@require_http_methods(["GET", "POST"])
def edit_step(request: HttpRequest, plan_uuid: str, day: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid, capability=permissions.TAPER_PLAN)
    on = _day_of(plan, day)
    step = next(s for s in plan.steps if s["date"] == on.isoformat())
    form = forms.EditStepForm(request.POST or None, initial={"read_dose": step["daily_dose"]})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_step(
                plan,
                acting_user=user,
                on=on,
                new_dose=form.cleaned_data["new_dose"],
                reason=form.cleaned_data["reason"],
                read_dose=form.cleaned_data["read_dose"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            plan.refresh_from_db()
            step = next(s for s in plan.steps if s["date"] == on.isoformat())
            # A resubmit applies to the dose now shown.
            form.data = {**request.POST.dict(), "read_dose": step["daily_dose"]}
        else:
            messages.success(request, f"Dose of {shown(on, 'DATE_FORMAT')} changed.")
            return _plan_redirect(plan)
    context = {"plan": plan, "form": form, "on": on, "step": step}
    return render(request, "tapers/step_form.html", context)


def _day_of(plan: TaperPlan, day: str) -> date:
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    if not any(s["date"] == on.isoformat() for s in plan.steps):
        raise Http404("The plan does not include this day.")
    return on


def _plan_form_page(
    request: HttpRequest, plan: TaperPlan, form: Form, title: str, button: str
) -> HttpResponse:
    context = {"plan": plan, "form": form, "title": title, "button": button}
    return render(request, "tapers/plan_action.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required
def sign_plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid, capability=permissions.TAPER_PLAN)
    initial = {"times_of_day": ", ".join(plan.parameters.get("times_of_day") or [])}
    form = forms.SignForm(
        request.POST or None,
        initial=initial,
        findings=bool(plan.findings),
        # Times of day may first be given here, so any mg plan of an episode may sign an order.
        signs_order=plan.unit == "mg" and plan.episode_id is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_sign_plan(
                plan,
                acting_user=user,
                acknowledged=form.cleaned_data.get("acknowledged", False),
                times_of_day=form.cleaned_data["times_of_day"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Taper plan signed.")
            return _plan_redirect(plan)
    return _plan_form_page(request, plan, form, "Sign the taper plan", "Sign plan")


@login_required
@require_http_methods(["GET", "POST"])
def hold_plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid, capability=permissions.TAPER_PLAN)
    upcoming = queries.next_reduction(plan)
    initial = {"from_date": upcoming.date if upcoming else timezone.localdate()}
    form = forms.HoldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_hold_plan(plan, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"Taper held from {shown(form.cleaned_data['from_date'], 'DATE_FORMAT')}."
            )
            return _plan_redirect(plan)
    return _plan_form_page(request, plan, form, "Hold the taper", "Hold at the current dose")


@login_required
@require_http_methods(["GET", "POST"])
def resume_plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid, capability=permissions.TAPER_PLAN)
    held_from = plan.held_from or timezone.localdate()
    initial = {"resume_on": max(held_from + timedelta(days=1), timezone.localdate())}
    form = forms.ResumeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_resume_plan(plan, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Taper resumed; later days have moved.")
            return _plan_redirect(plan)
    return _plan_form_page(request, plan, form, "Resume the taper", "Resume reductions")


@login_required
@require_http_methods(["GET", "POST"])
def cancel_plan(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid, capability=permissions.TAPER_PLAN)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_cancel_plan(plan, acting_user=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Taper plan cancelled.")
            return _plan_redirect(plan)
    return _plan_form_page(request, plan, form, "Cancel the taper plan", "Cancel plan")


@login_required
@require_http_methods(["POST"])
def report_hard_day(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid)
    form = forms.HardDayForm(request.POST)
    if form.is_valid():
        try:
            actions.do_report_hard_day(plan, acting_user=user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Hard day recorded.")
    return _plan_redirect(plan)


@login_required
def calendar(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    user = staff_user(request)
    plan = get_plan_for_user(user, plan_uuid)
    if not plan.is_live and plan.status != TaperPlan.Status.DRAFT:
        raise Http404("A cancelled plan has no calendar.")
    _view_event(user, plan, "calendar")
    days = queries.calendar_days(plan)
    context = {"plan": plan, "days": days, "notes": _calendar_notes()}
    return render(request, "tapers/calendar.html", context)


def _calendar_notes() -> dict[str, str]:
    return taper.patient_notes()


# --- Prescribed opioids and MME -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_opioid(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EVALUATION_RECORD
    )
    form = forms.OpioidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_opioid(episode, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Prescribed opioid recorded.")
            return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    return render(request, "tapers/opioid_form.html", {"episode": episode, "form": form})


@login_required
@require_http_methods(["POST"])
def stop_opioid(request: HttpRequest, episode_uuid: str, opioid_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EVALUATION_RECORD
    )
    row = PrescribedOpioid.objects.filter(patient=episode.patient, uuid=opioid_uuid).first()
    if row is None:
        raise Http404("No such medication.")
    actions.do_stop_opioid(row, episode, acting_user=user, stopped_on=timezone.localdate())
    messages.success(request, "Marked stopped; it no longer counts in the MME.")
    return redirect("patients:chart", patient_uuid=episode.patient.uuid)


def _rows(request: HttpRequest) -> int:
    try:
        rows = int(request.POST.get("rows", forms.FIRST_ROWS))
    except ValueError:
        rows = forms.FIRST_ROWS
    rows = min(max(rows, 1), 50)
    return rows + forms.MORE_ROWS if "more" in request.POST else rows


def _calculate(form: forms.MmeForm) -> dict[str, Any] | None:
    items = form.medications()
    if not items:
        form.add_error(None, "Choose at least one opioid.")
        return None
    try:
        return mme_engine.calculator(
            {"medications": items, "methadone_factors": form.cleaned_data["methadone_factors"]}
        )
    except errors.InvalidInput as exc:
        for key, message in exc.fields.items():
            _mme_error(form, key, message)
        return None


def _mme_error(form: forms.MmeForm, key: str, message: str) -> None:
    names = {"dose": "dose", "unit": "unit", "doses_per_day": "per_day", "drug": "drug"}
    if key.startswith("medications[") and "." in key:
        index, field = int(key[12 : key.index("]")]), key.rsplit(".", 1)[1]
        form.add_error(f"{names.get(field, 'drug')}_{form.row_of(index)}", message)
    else:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def mme(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not permissions.can(user, permissions.CHART_VIEW):
        raise PermissionDenied("Your role cannot use the MME calculator.")
    program = permissions.facilities_with(user, permissions.CHART_VIEW).first()
    mode = queries.settings_for(program.program).methadone_factors if program else "cdc2022"
    rows = _rows(request) if request.method == "POST" else forms.FIRST_ROWS
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        data["rows"] = str(rows)
    form = forms.MmeForm(data, rows=rows, initial={"rows": rows, "methadone_factors": mode})
    result = None
    if data is not None and "more" not in request.POST and form.is_valid():
        result = _calculate(form)
    context = {
        "form": form,
        "result": result,
        "always": mme_engine.cautions()["no_conversion"].text,
    }
    return render(request, "tapers/mme.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facility = permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE).first()
    if facility is None:
        raise PermissionDenied("Only a program director can change these settings.")
    program = facility.program
    rules = queries.settings_for(program)
    initial = {key: getattr(rules, key) for key in actions.SETTING_FIELDS}
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_settings(program, acting_user=user, values=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Taper and MME settings saved.")
            return redirect("tapers:settings")
    return render(request, "tapers/settings.html", {"form": form, "program": program})


@login_required
@require_http_methods(["GET", "POST"])
def diazepam_equivalents(request: HttpRequest) -> HttpResponse:
    """The program's diazepam-equivalent table (SPEC A7: ships unset; director only)."""
    user = staff_user(request)
    facility = permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE).first()
    if facility is None:
        raise PermissionDenied("Only a program director can change the diazepam-equivalent table.")
    program = facility.program
    rules = queries.settings_for(program)
    initial = {
        "rows": forms.equivalents_text(rules.diazepam_equivalents or []),
        "read_version": rules.diazepam_equivalents_version,
    }
    form = forms.DiazepamEquivalentsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_diazepam_equivalents(
                program,
                acting_user=user,
                rows=form.cleaned_data["rows"],
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Diazepam-equivalent table saved.")
            return redirect("tapers:diazepam_equivalents")
    context = {"form": form, "program": program, "rules": rules}
    return render(request, "tapers/diazepam_equivalents.html", context)
