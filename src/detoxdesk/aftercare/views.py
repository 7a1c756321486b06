from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import reauth_required, require_recent_reauth, staff_user
from detoxdesk.accounts.models import User
from detoxdesk.aftercare import actions, integrations, policy, queries
from detoxdesk.aftercare.access import get_discharge_for_user, get_follow_up_for_user
from detoxdesk.aftercare.forms import (
    AftercareSettingsForm,
    AmaForm,
    AppointmentForm,
    FollowUpForm,
    ItemForm,
    ReferralForm,
    StartDischargeForm,
    SummaryTextForm,
)
from detoxdesk.aftercare.models import Discharge, DischargeKind, FollowUp
from detoxdesk.audit import log
from detoxdesk.clinical import aftercare as rules
from detoxdesk.clinical import products
from detoxdesk.directory.models import Resource
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access, phones

PREPARE = permissions.DISCHARGE_PREPARE
WORKLIST_PAGE_SIZE = 25


def _to_bundle(discharge: Discharge) -> HttpResponse:
    return redirect("aftercare:bundle", discharge_uuid=discharge.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=PREPARE)
    existing = Discharge.objects.filter(episode=episode).first()
    if existing is not None:
        return _to_bundle(existing)
    form = StartDischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discharge = actions.do_start_discharge(
                episode, acting_user=user, kind=form.cleaned_data["kind"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if discharge.kind == DischargeKind.AMA:
                return redirect("aftercare:ama", discharge_uuid=discharge.uuid)
            return _to_bundle(discharge)
    return render(request, "aftercare/start.html", {"episode": episode, "form": form})


@login_required
def bundle(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    return _bundle_page(request, user, get_discharge_for_user(user, discharge_uuid))


def _bundle_page(
    request: HttpRequest,
    user: User,
    discharge: Discharge,
    refused: list[tuple[str, str, str]] | None = None,
) -> HttpResponse:
    """The bundle; ``refused`` (item code, label, problem) lists why signing was just refused."""
    log.viewed(user, "discharge.viewed", target=discharge)
    facility = discharge.episode.facility
    loaded = queries.summary_queryset().get(pk=discharge.pk)
    items = {item.code: item for item in loaded.items.all()}
    problems = {} if discharge.is_signed else actions.signing_problems(loaded, timezone.now())
    rows = [(rule, items[code], problems.get(code)) for code, rule in rules.bundle_items().items()]
    return render(
        request,
        "aftercare/bundle.html",
        {
            "discharge": loaded,
            "rows": rows,
            "problems": problems,
            "resolved": len(rows) - len(problems),
            "can_prepare": permissions.can(user, PREPARE, facility) and not discharge.is_signed,
            "can_sign": permissions.can(user, permissions.DISCHARGE_SIGN, facility),
            "refused": refused,
        },
        status=400 if refused else 200,
    )


def _refusal_rows(exc: ValidationError) -> list[tuple[str, str, str]]:
    """(item code, label, problem) for each reason a signature was refused, in bundle order."""
    if not hasattr(exc, "error_dict"):
        return [("", "", message) for message in exc.messages]
    items = rules.bundle_items()
    return [
        (code, items[code].label if code in items else "", " ".join(ValidationError(e).messages))
        for code, e in exc.error_dict.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required
def ama(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    if discharge.is_signed or discharge.kind != DischargeKind.AMA:
        return _to_bundle(discharge)
    form = AmaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.do_record_ama_bundle(discharge, acting_user=user, **form.cleaned_data)
                if "sign" in request.POST:
                    actions.do_sign_discharge(discharge, acting_user=user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            signed = "sign" in request.POST
            messages.success(request, "Discharge signed." if signed else "Recorded.")
            if signed:
                return redirect("aftercare:summary", discharge_uuid=discharge.uuid)
            return _to_bundle(discharge)
    if request.method == "GET":
        log.viewed(user, "discharge.viewed", target=discharge)
    can_sign = permissions.can(user, permissions.DISCHARGE_SIGN, discharge.episode.facility)
    context = {
        "discharge": discharge,
        "form": form,
        "can_sign": can_sign,
        "opioid_use_disorder": integrations.opioid_use_disorder(discharge.episode),
    }
    return render(request, "aftercare/ama.html", context)


def _item_initial(discharge: Discharge, code: str) -> dict[str, Any]:
    """Prefill the MOUD item from the medication record: the last methadone and opioid doses."""
    if code != "moud":
        return {}
    initial: dict[str, Any] = {}
    if methadone := integrations.last_methadone_dose(discharge.episode):
        initial.update(last_dose_mg=methadone[0], last_dose_at=timezone.localtime(methadone[1]))
    if last := integrations.last_opioid_use(discharge.episode):
        initial.update(opioid_class=last[0], last_opioid_use=timezone.localtime(last[1]))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, discharge_uuid: str, code: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    rule = rules.bundle_items().get(code)
    if rule is None:
        raise Http404("No such bundle item.")
    if discharge.is_signed:
        return _to_bundle(discharge)
    form = ItemForm(
        rule,
        request.POST or None,
        initial=_item_initial(discharge, code),
        opioid_use_disorder=integrations.opioid_use_disorder(discharge.episode),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_item(
                discharge,
                code,
                acting_user=user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                details=form.details(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{rule.label}: recorded.")
            return _to_bundle(discharge)
    if request.method == "GET":
        log.viewed(user, "discharge.viewed", target=discharge)
    hours = int(rules.warm_handoff_window().length.total_seconds() // 3600)
    context = {"discharge": discharge, "rule": rule, "form": form, "handoff_hours": hours}
    if code == "moud":
        context["opioid_screen"] = integrations.last_opioid_screen(discharge.episode)
    return render(request, "aftercare/item.html", context)


def _resource_matches(request: HttpRequest) -> tuple[str, list[Resource]]:
    query = request.GET.get("q", "").strip()
    found = Resource.objects.order_by("name")
    if query:
        found = found.filter(name__icontains=query)
    return query, list(found[:20])


def _chosen_resource(value: str) -> Resource | None:
    try:
        return Resource.objects.filter(uuid=UUID(value)).first() if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def referrals(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    if discharge.is_signed:
        return _to_bundle(discharge)
    form = ReferralForm(request.POST if "name" in request.POST else None)
    if request.method == "POST":
        resource = _chosen_resource(request.POST.get("resource", ""))
        try:
            if resource is not None:
                actions.do_add_referral(discharge, acting_user=user, resource=resource)
            elif form.is_valid():
                actions.do_add_referral(discharge, acting_user=user, **form.cleaned_data)
            else:
                raise ValidationError({"name": "Choose a resource or type its name."})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Referral added.")
            return redirect("aftercare:referrals", discharge_uuid=discharge.uuid)
    else:
        log.viewed(user, "discharge.viewed", target=discharge)
    query, matches = _resource_matches(request)
    context = {
        "discharge": discharge,
        "form": form,
        "query": query,
        "matches": matches,
        "chosen": list(discharge.referrals.all()),
    }
    return render(request, "aftercare/referrals.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def remove_referral(request: HttpRequest, discharge_uuid: str, referral_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    referral = discharge.referrals.filter(uuid=referral_uuid).first()
    if referral is None:
        raise Http404("No such referral.")
    if request.method == "POST":
        actions.do_remove_referral(referral, acting_user=user)
        messages.success(request, f"Referral to {referral.name} removed.")
        return redirect("aftercare:referrals", discharge_uuid=discharge.uuid)
    log.viewed(user, "discharge.viewed", target=discharge)
    context = {"discharge": discharge, "referral": referral}
    return render(request, "aftercare/remove_referral.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def add_appointment(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_appointment(discharge, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Appointment added.")
            return _to_bundle(discharge)
    if request.method == "GET":
        log.viewed(user, "discharge.viewed", target=discharge)
    context = {"discharge": discharge, "form": form}
    return render(request, "aftercare/appointment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_summary(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=PREPARE)
    initial = {
        "medications_text": discharge.medications_text,
        "instructions": discharge.instructions,
        "read_fingerprint": actions.summary_fingerprint(discharge),
    }
    form = SummaryTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_summary_text(discharge, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            discharge.refresh_from_db()
            # The form shows their text (with the error), ready to change again.
            form.data = {
                "medications_text": discharge.medications_text,
                "instructions": discharge.instructions,
                "read_fingerprint": actions.summary_fingerprint(discharge),
            }
        else:
            messages.success(request, "Summary text saved.")
            return _to_bundle(discharge)
    if request.method == "GET":
        log.viewed(user, "discharge.viewed", target=discharge)
    inpatient_only = sorted(products.ingredient_label(c) for c in rules.inpatient_only_drugs())
    context = {"discharge": discharge, "form": form, "inpatient_only": inpatient_only}
    return render(request, "aftercare/summary_form.html", context)


@login_required
@require_POST
def sign(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    discharge = get_discharge_for_user(user, discharge_uuid, capability=permissions.DISCHARGE_SIGN)
    asked = require_recent_reauth(request, reverse("aftercare:bundle", args=[discharge.uuid]))
    if asked:
        messages.info(request, "Confirm who you are, then sign the discharge again.")
        return asked
    try:
        actions.do_sign_discharge(discharge, acting_user=user)
    except ValidationError as exc:
        # One error listing everything unresolved, on the bundle itself, not a banner per item.
        return _bundle_page(request, user, discharge, refused=_refusal_rows(exc))
    messages.success(request, "Discharge signed. The follow-ups are scheduled.")
    return redirect("aftercare:summary", discharge_uuid=discharge.uuid)


@login_required
def summary(request: HttpRequest, discharge_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = get_discharge_for_user(user, discharge_uuid)
    log.viewed(user, "discharge.summary_viewed", target=found)
    discharge = queries.summary_queryset().get(pk=found.pk)
    return render(request, "aftercare/summary.html", {"discharge": discharge})


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facility_ids = permissions.facility_ids_with(user, permissions.FOLLOW_UP_RECORD)
    if not facility_ids:
        raise PermissionDenied("Your role does not record follow-ups.")
    now = timezone.now()
    show_all = request.GET.get("show") == "all"
    open_ones = FollowUp.objects.filter(facility_id__in=facility_ids, recorded_at__isnull=True)
    if not show_all:
        open_ones = open_ones.filter(due_on__lte=timezone.localdate(now))
    ordered = open_ones.select_related("patient", "facility__program").order_by("due_on", "pk")
    page = Paginator(ordered, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    log.viewed(user, "follow_up.worklist_viewed")
    rows = queries.with_states(list(page.object_list), now)
    numbers = phones.numbers_for([row.follow_up.patient for row in rows])
    context = {"page": page, "rows": rows, "show_all": show_all, "numbers": numbers}
    return render(request, "aftercare/follow_ups.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_follow_up(request: HttpRequest, follow_up_uuid: str) -> HttpResponse:
    user = staff_user(request)
    follow_up = get_follow_up_for_user(user, follow_up_uuid)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and not follow_up.is_recorded and form.is_valid():
        try:
            actions.do_record_follow_up(
                follow_up,
                acting_user=user,
                reached=form.cleaned_data["reached"],
                outcomes=form.outcomes(),
                needs_help_now=form.cleaned_data["needs_help_now"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _recorded_message(follow_up))
            return redirect("aftercare:follow_ups")
    if request.method == "GET":
        log.viewed(user, "follow_up.viewed", target=follow_up)
    row = queries.with_states([follow_up], timezone.now())[0]
    context = {
        "follow_up": follow_up,
        "row": row,
        "form": form,
        "numbers": phones.numbers_for([follow_up.patient]).get(follow_up.patient_id, []),
    }
    return render(request, "aftercare/follow_up_form.html", context)


def _recorded_message(follow_up: FollowUp) -> str:
    if follow_up.inquiry_uuid:
        return "Follow-up recorded. An inquiry is now in the intake queue."
    return "Follow-up recorded."


@login_required
@require_http_methods(["GET", "POST"])
def aftercare_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    program = access.configured_program(user)
    current = policy.settings_for(program)
    initial = {
        "follow_up_days": ", ".join(str(day) for day in current.follow_up_days),
        "overdue_grace_days": current.overdue_grace_days,
    }
    form = AftercareSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_aftercare_settings(program, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Aftercare settings saved.")
            return redirect("aftercare:settings")
    context = {
        "program": program,
        "form": form,
        "default_days": rules.default_follow_up_days(),
        "handoff": rules.warm_handoff_window(),
    }
    return render(request, "aftercare/settings.html", context)
