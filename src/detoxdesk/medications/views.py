from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import check_password, reauth_required, staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import alcohol
from detoxdesk.clinical.numbers import format_number
from detoxdesk.controlled.dose import parse_choice, stock_choices
from detoxdesk.intake import queries as intake_queries
from detoxdesk.lib.forms import apply_errors
from detoxdesk.medications import actions, ordersets, schedule
from detoxdesk.medications import mar as mar_module
from detoxdesk.medications.access import get_line_for_user
from detoxdesk.medications.forms import (
    AlcoholProtocolForm,
    DoseForm,
    FactsForm,
    HomeMedicationForm,
    ModifyOrderForm,
    OrderForm,
    PdmpForm,
    ReviewAlertForm,
    SettingsForm,
    StatusForm,
    order_initial,
    schedule_text,
)
from detoxdesk.medications.models import (
    Administration,
    HomeMedication,
    Order,
    OrderLine,
    PatientFacts,
)
from detoxdesk.medications.policy import (
    DEFAULT_SHIFT_STARTS,
    alcohol_notes,
    alcohol_protocol,
    program_policy,
    settings_for,
)
from detoxdesk.medications.safety import SafetyCheck, check_administration, order_override
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients import access
from detoxdesk.patients.models import Episode, Program


def _drugs(program: Program) -> list[tuple[str, str]]:
    return [(r.drug, r.label) for r in program_policy(settings_for(program)).drugs]


def _shift_param(request: HttpRequest) -> datetime | None:
    raw = request.GET.get("shift", "")
    try:
        parsed = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else None


@login_required
def mar(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid)
    log.viewed(user, "mar.viewed", patient=episode.patient, facility=episode.facility)
    record = mar_module.build_mar(episode, timezone.now(), _shift_param(request))
    facility = episode.facility
    return render(
        request,
        "medications/mar.html",
        {
            "episode": episode,
            "mar": record,
            "can_sign": permissions.can(user, permissions.ORDER_SIGN, facility),
            "can_record": permissions.can(user, permissions.DOSE_RECORD, facility),
            "can_facts": permissions.can(user, permissions.EPISODE_CONFIGURE, facility),
        },
    )


@login_required
def order_sets(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.ORDER_SIGN)
    return render(
        request,
        "medications/order_sets.html",
        {"episode": episode, "sets": _sets(episode)},
    )


def _sets(episode: Episode) -> list[ordersets.OrderSet]:
    settings = settings_for(episode.facility.program)
    return ordersets.order_sets(
        program_policy(settings),
        timezone.localdate(),
        ciwa_enabled=settings.ciwa_benzodiazepine_enabled,
        protocol=alcohol_protocol(settings),
        alcohol_proposed=intake_queries.alcohol_high_risk(episode),
        alcohol_notes=alcohol_notes(settings),
    )


def _preview(
    episode: Episode, form: OrderForm, protocol: str, line: OrderLine | None = None
) -> SafetyCheck | None:
    """The engine's findings for the order as typed (nothing is saved). A new version of
    ``line`` is checked as that line, so that its current version is not counted beside it."""
    values = form.values()
    if line is None:
        line = OrderLine(episode=episode, drug=values["drug"], protocol=protocol)
        line.created_at = timezone.now()
    values["times_of_day"] = [t.strftime("%H:%M") for t in values["times_of_day"]]
    values["controlled"] = bool(values["controlled"])
    order = Order(line=line, version=1, signed_at=line.created_at, **values)
    try:
        return actions.preview_order_check(order)
    except ValidationError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required
def new_order(request: HttpRequest, episode_uuid: str, protocol: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.ORDER_SIGN)
    order_set = ordersets.find(_sets(episode), protocol)
    if order_set is None:
        raise Http404("No such order set.")
    initial = _form_initial(order_set.initial)
    form = OrderForm(_drugs(episode.facility.program), request.POST or None, initial=initial)
    check = (
        _preview(episode, form, protocol) if request.method == "POST" and form.is_valid() else None
    )
    if request.method == "POST" and form.is_valid() and "sign" in request.POST:
        try:
            order = actions.do_sign_order(
                episode, acting_user=user, protocol=protocol, **_sign_kwargs(form)
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, _as_validation(exc))
        else:
            messages.success(request, f"Order signed: {order.summary}.")
            return redirect("medications:mar", episode_uuid=episode.uuid)
    context = {
        "episode": episode,
        "order_set": order_set,
        "form": form,
        "check": check,
        "pdmp": actions.latest_pdmp_check(episode),
        "pdmp_required": actions.pdmp_required(settings_for(episode.facility.program)),
    }
    return render(request, "medications/order_form.html", context)


def _form_initial(values: dict[str, Any]) -> dict[str, Any]:
    initial = dict(values)
    if isinstance(initial.get("dose_schedule"), list):
        initial["dose_schedule"] = schedule_text(initial["dose_schedule"])
    return initial


def _sign_kwargs(form: OrderForm) -> dict[str, Any]:
    values = form.values()
    return values | {
        "acknowledge_warnings": form.cleaned_data["acknowledge_warnings"],
        "override_reason": form.cleaned_data["override_reason"],
        "controlled": bool(values["controlled"]),
    }


def _as_validation(exc: ValidationError | PermissionDenied) -> ValidationError:
    return exc if isinstance(exc, ValidationError) else ValidationError(str(exc))


@login_required
def order_detail(request: HttpRequest, line_uuid: str) -> HttpResponse:
    user = staff_user(request)
    line = get_line_for_user(user, line_uuid)
    log.viewed(
        user,
        "order.viewed",
        patient=line.episode.patient,
        facility=line.episode.facility,
        target=line,
    )
    versions = list(line.versions.select_related("signed_by").order_by("-version"))
    facility = line.episode.facility
    return render(
        request,
        "medications/order_detail.html",
        {
            "line": line,
            "episode": line.episode,
            "versions": versions,
            "current": next(v for v in versions if v.superseded_at is None),
            "can_sign": permissions.can(user, permissions.ORDER_SIGN, facility),
            "status_form": StatusForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required
def modify_order(request: HttpRequest, line_uuid: str) -> HttpResponse:
    user = staff_user(request)
    line = get_line_for_user(user, line_uuid, capability=permissions.ORDER_SIGN)
    current = line.versions.get(superseded_at=None)
    drugs = [(line.drug, line.drug)]
    initial = order_initial(current) | {"read_version": current.version}
    form = ModifyOrderForm(drugs, request.POST or None, initial=initial)
    check = None
    if request.method == "POST" and form.is_valid():
        check = _preview(line.episode, form, line.protocol, line)
        if "sign" in request.POST:
            try:
                _modify(line, user, form)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, _as_validation(exc))
                if getattr(exc, "code", None) == "stale":  # show their order, to change again
                    latest = line.versions.get(superseded_at=None)
                    shown = order_initial(latest) | {"read_version": latest.version}
                    form.data = {**shown, "reason": form.cleaned_data["reason"]}
                    check = None
            else:
                messages.success(request, "A new version of the order was signed.")
                return redirect("medications:order", line_uuid=line.uuid)
    context = {"line": line, "episode": line.episode, "form": form, "check": check}
    return render(request, "medications/order_modify.html", context)


def _modify(line: OrderLine, user: User, form: ModifyOrderForm) -> Order:
    values = _sign_kwargs(form)
    values.pop("drug")
    return actions.do_modify_order(
        line,
        acting_user=user,
        reason=form.cleaned_data["reason"],
        read_version=form.cleaned_data["read_version"],
        **values,
    )


STATUS_EVENTS = {
    "hold": "order.held",
    "resume": "order.resumed",
    "discontinue": "order.discontinued",
}


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request: HttpRequest, line_uuid: str, change: str) -> HttpResponse:
    user = staff_user(request)
    if change not in STATUS_EVENTS:
        raise Http404("No such change.")
    line = get_line_for_user(user, line_uuid, capability=permissions.ORDER_SIGN)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_order_status(
                line, STATUS_EVENTS[change], acting_user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Order {line.drug}: {change} recorded.")
            return redirect("medications:order", line_uuid=line.uuid)
    context = {"line": line, "episode": line.episode, "form": form, "change": change}
    return render(request, "medications/order_status.html", context)


def _scheduled_for(request: HttpRequest, order: Order) -> datetime | None:
    raw = request.POST.get("scheduled_for") or request.GET.get("at") or ""
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise Http404("No such scheduled dose.") from None
    if when.tzinfo is None or schedule.dose_at(order, when) is None:
        raise Http404("No such scheduled dose.")
    return when


def _moment(entered: datetime) -> datetime:
    """The end of the minute entered, but never later than now: the form has no seconds, and a
    score taken earlier in that minute counts as before the dose."""
    return min(timezone.now(), entered.replace(second=59, microsecond=0))


def _signer(form: DoseForm, request: HttpRequest) -> User | None:
    username = form.cleaned_data.get("second_signer") or ""
    if not username:
        return None
    password = form.cleaned_data.get("second_signer_password") or ""
    result = check_password(request, username=username, password=password, purpose="second_signer")
    if result.user is None:
        wrong = "The second signer's name or password is wrong."
        raise ValidationError({"second_signer": result.error if result.locked else wrong})
    return result.user


@login_required
@require_http_methods(["GET", "POST"])
def record_dose(request: HttpRequest, line_uuid: str) -> HttpResponse:
    user = staff_user(request)
    line = get_line_for_user(user, line_uuid, capability=permissions.DOSE_RECORD)
    order = line.versions.select_related("line__episode__facility__program", "signed_by").get(
        superseded_at=None
    )
    scheduled_for = _scheduled_for(request, order)
    form = DoseForm(
        request.POST or None, stock_choices=stock_choices(line.episode.facility, order.drug)
    )
    due = schedule.dose_at(order, scheduled_for) if scheduled_for else None
    dose = due.dose_mg if due else order.dose_mg
    when = _moment(form.cleaned_data["occurred_at"]) if form.is_bound and form.is_valid() else None
    when = when or timezone.now()
    check = check_administration(order, dose, when)
    if check.findings:
        form.initial.pop("outcome", None)  # with a stop or warning shown, nothing is pre-chosen
    if request.method == "POST" and form.is_valid():
        row = _try_record(request, form, order, user, scheduled_for, check)
        if row is not None:
            messages.success(request, _recorded_message(row))
            return redirect("medications:mar", episode_uuid=line.episode.uuid)
    else:
        log.viewed(
            user,
            "flowsheet.viewed",
            patient=line.episode.patient,
            facility=line.episode.facility,
            target=line,
        )
    context = {
        "line": line,
        "episode": line.episode,
        "order": order,
        "form": form,
        "check": check,
        "dose": dose,
        "scheduled_for": scheduled_for,
        "order_override": order_override(order, check, dose),
        "may_override": actions.may_override(
            user, line.episode, settings_for(line.episode.facility.program)
        ),
    }
    return render(request, "medications/record_dose.html", context)


def _try_record(
    request: HttpRequest,
    form: DoseForm,
    order: Order,
    user: User,
    scheduled_for: datetime | None,
    check: SafetyCheck,
) -> Administration | None:
    data = form.cleaned_data
    if data["outcome"] == "given" and data["checked"] != check.fingerprint:
        form.add_error(None, "The safety check has changed: read the findings below again.")
        return None
    try:
        confirmation = actions.DoseConfirmation(
            acknowledge_warnings=data["acknowledge_warnings"],
            override_reason=data["override_reason"],
            second_signer=_signer(form, request),
            rely_on_order_override=data["rely_on_order_override"],
        )
        return actions.do_record_administration(
            order,
            acting_user=user,
            outcome=data["outcome"],
            occurred_at=check.at,
            scheduled_for=scheduled_for,
            reason=data["reason"],
            confirmation=confirmation,
            draw=_stock_draw(form, request, order),
        )
    except (ValidationError, PermissionDenied) as exc:
        apply_errors(form, _as_validation(exc))
        return None


def _stock_draw(form: DoseForm, request: HttpRequest, order: Order) -> actions.StockDraw | None:
    """The ledger draw the form describes (None when the drug is not kept in the ledger or the
    dose is not given)."""
    data = form.cleaned_data
    if not form.draws_stock or data["outcome"] != "given":
        return None
    if not data["controlled_stock"]:
        raise ValidationError({"controlled_stock": "Choose the location and lot of this dose."})
    location, lot = parse_choice(data["controlled_stock"], order.line.episode.facility, order.drug)
    witness = None
    if data["waste_witness"]:
        result = check_password(
            request,
            username=data["waste_witness"],
            password=data["waste_witness_password"] or "",
            purpose="second_signer",
        )
        if result.user is None:
            wrong = "The witness's name or password is wrong."
            raise ValidationError({"waste_witness": result.error if result.locked else wrong})
        witness = result.user
    return actions.StockDraw(
        location=location,
        lot=lot,
        wasted=data["wasted"] or Decimal(0),
        witness=witness,
        drawn=data["drawn"],
    )


def _recorded_message(row: Administration) -> str:
    if row.dose_mg is not None:
        return f"{row.drug.capitalize()} {format_number(row.dose_mg)} mg recorded as given."
    return f"{row.drug.capitalize()} recorded as {row.outcome}."


@login_required
@require_POST
def review_alert(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.DOSE_RECORD)
    form = ReviewAlertForm(request.POST)
    if not form.is_valid():
        raise Http404("No such alert.")
    first_dose = Administration.objects.filter(
        uuid=form.cleaned_data["first_dose"], episode=episode
    ).first()
    assessment = Assessment.objects.filter(
        uuid=form.cleaned_data["assessment"], episode=episode
    ).first()
    if first_dose is None or assessment is None:
        raise Http404("No such alert.")
    try:
        actions.do_review_alert(
            episode,
            acting_user=user,
            first_dose=first_dose,
            assessment=assessment,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Alert marked as reviewed.")
    return redirect("medications:mar", episode_uuid=episode.uuid)


def _facts_initial(facts: PatientFacts | None) -> dict[str, Any]:
    mark = {"read_mark": actions.facts_read_mark(facts)}
    if facts is None:
        return mark
    return {key: getattr(facts, key) for key in actions.FACT_FIELDS} | mark


def _facts_data(facts: PatientFacts | None) -> dict[str, Any]:
    """The facts as the form's submitted data, to show them with an error."""
    form = FactsForm(initial=_facts_initial(facts))
    return {name: form[name].value() for name in form.fields}


def _suggest_last_use(form: FactsForm, facts: PatientFacts | None, episode: Episode) -> None:
    """Offer the signed evaluation's last opioid use while the facts record none.

    Only a starting value: nothing is saved until the clinician saves the form. The class and
    time are offered together, so a recorded one is never paired with the other's suggestion.
    """
    if facts is not None and (facts.opioid_class or facts.last_opioid_use_at):
        return
    found = intake_queries.last_opioid_use(episode.patient)
    if found is None:
        return
    form.initial.update(opioid_class=found.opioid_class, last_opioid_use_at=found.at)
    for name in ("opioid_class", "last_opioid_use_at"):
        form.fields[name].help_text = f"Suggested from the {found.source}: check before saving."


def _facts_page(
    request: HttpRequest, episode: Episode, form: FactsForm, home_form: HomeMedicationForm
) -> HttpResponse:
    context = {
        "episode": episode,
        "form": form,
        "home_form": home_form,
        "home_medications": HomeMedication.objects.filter(episode=episode, stopped_at=None),
    }
    log.viewed(
        staff_user(request),
        "medication_facts.viewed",
        patient=episode.patient,
        facility=episode.facility,
    )
    return render(request, "medications/facts_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_facts(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    facts = PatientFacts.objects.filter(episode=episode).first()
    form = FactsForm(request.POST or None, initial=_facts_initial(facts))
    _suggest_last_use(form, facts, episode)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        read_mark = values.pop("read_mark")
        read_mark = read_mark if "read_mark" in request.POST else None
        try:
            actions.do_update_facts(episode, acting_user=user, read_mark=read_mark, **values)
        except ValidationError as exc:
            apply_errors(form, exc)
            if getattr(exc, "code", None) == "stale":  # show their facts, to change again
                facts = PatientFacts.objects.filter(episode=episode).first()
                form.data = _facts_data(facts)
        else:
            messages.success(request, "Medication facts saved.")
            return redirect("medications:mar", episode_uuid=episode.uuid)
    return _facts_page(request, episode, form, HomeMedicationForm(actions.home_drug_choices()))


@login_required
@require_POST
def add_home_medication(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    form = HomeMedicationForm(actions.home_drug_choices(), request.POST)
    if form.is_valid():
        try:
            actions.do_record_home_medication(episode, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Home medication recorded.")
            return redirect("medications:facts", episode_uuid=episode.uuid)
    facts = PatientFacts.objects.filter(episode=episode).first()
    return _facts_page(request, episode, FactsForm(initial=_facts_initial(facts)), form)


@login_required
@require_POST
def stop_home_medication(request: HttpRequest, episode_uuid: str, row_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    row = HomeMedication.objects.filter(episode=episode, uuid=row_uuid).first()
    if row is None:
        raise Http404("No such home medication.")
    try:
        actions.do_stop_home_medication(row, acting_user=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(_as_validation(exc).messages))
    else:
        messages.success(request, "Home medication marked stopped.")
    return redirect("medications:facts", episode_uuid=episode.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def medication_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    program = access.configured_program(
        user, "Only a program director changes medication settings."
    )
    current = settings_for(program)
    initial = {key: getattr(current, key) for key in actions.SETTING_FIELDS}
    initial["shift_starts"] = ", ".join(current.shift_starts or [])
    form = SettingsForm(_drugs(program), request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_medication_settings(program, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Medication settings saved.")
            return redirect("medications:settings")
    context = {"program": program, "form": form, "default_shifts": ", ".join(DEFAULT_SHIFT_STARTS)}
    return render(request, "medications/settings.html", context)


def _alcohol_drugs(program: Program) -> list[tuple[str, str]]:
    rules = program_policy(settings_for(program)).drugs
    return [(r.drug, r.label) for r in rules if "alcohol withdrawal" in r.indications]


@login_required
@require_http_methods(["GET", "POST"])
def alcohol_protocol_settings(request: HttpRequest) -> HttpResponse:
    """The alcohol-withdrawal protocol the medical director sets (SPEC A6.2-A6.4)."""
    user = staff_user(request)
    program = access.configured_program(user, "Only the program's medical director sets this.")
    current = settings_for(program)
    initial = {key: getattr(current, key) for key in actions.ALCOHOL_FIELDS}
    initial["version"] = actions.alcohol_protocol_version(current)
    form = AlcoholProtocolForm(_alcohol_drugs(program), request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {key: form.cleaned_data[key] for key in actions.ALCOHOL_FIELDS}
        try:
            actions.do_set_alcohol_protocol(
                program, acting_user=user, version=form.cleaned_data["version"], **values
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Alcohol-withdrawal protocol saved.")
            return redirect("medications:alcohol_protocol")
    context = {
        "program": program,
        "form": form,
        "reference": alcohol.phenobarbital_reference(),
        "thiamine": alcohol.thiamine().advice,
    }
    return render(request, "medications/alcohol_protocol.html", context)


def _next(request: HttpRequest, default: str) -> str:
    """The page to go back to: ``?next=`` when it is on this site, else ``default``."""
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if target and safe else default


@login_required
@require_http_methods(["GET", "POST"])
def pdmp_check(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.ORDER_SIGN)
    initial = {"checked_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = PdmpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_pdmp_check(episode, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "PDMP check recorded.")
            return redirect(_next(request, reverse("medications:mar", args=[episode.uuid])))
    else:
        log.viewed(user, "pdmp.viewed", patient=episode.patient, facility=episode.facility)
    checks = episode.pdmp_checks.select_related("recorded_by").order_by("-checked_at")
    context = {"episode": episode, "form": form, "checks": checks}
    return render(request, "medications/pdmp_form.html", context)
