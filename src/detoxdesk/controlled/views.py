"""Pages of the controlled-substance ledger: stock, entries, counts, discrepancies, inventories
and the dispensing log. Views are thin: forms validate, actions decide and audit."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import check_password, staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import controlled as rules
from detoxdesk.controlled import actions, queries, report
from detoxdesk.controlled.forms import (
    AdjustmentForm,
    CountForm,
    DestructionForm,
    InventoryForm,
    LocationEditForm,
    LocationForm,
    LogFilterForm,
    ProductEditForm,
    ProductForm,
    ReceiptForm,
    ResolveForm,
    ReturnForm,
    ReverseForm,
    TakeHomeForm,
    TransferForm,
    WasteForm,
)
from detoxdesk.controlled.models import (
    Count,
    Discrepancy,
    Entry,
    Inventory,
    Location,
    Lot,
    Product,
    Stock,
)
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients.models import Episode, Facility

LOG_PAGE_SIZE = 100


# --- Access --------------------------------------------------------------------------------------


def _facilities(user: User) -> list[Facility]:
    found = list(
        permissions.facilities_with(user, permissions.CONTROLLED_VIEW)
        .select_related("program")
        .order_by("name")
    )
    if not found:
        raise PermissionDenied("Your role does not include the controlled-substance ledger.")
    return found


def _facility(
    user: User, facility_uuid: Any, capability: str = permissions.CONTROLLED_VIEW
) -> Facility:
    """The facility if the user reads its ledger (404 otherwise) and holds ``capability`` (403)."""
    facility = next((f for f in _facilities(user) if f.uuid == facility_uuid), None)
    if facility is None:
        raise Http404("No such facility.")
    if not permissions.can(user, capability, facility):
        raise PermissionDenied("Your role does not allow this in the controlled-substance ledger.")
    return facility


def _viewed(
    event: str, user: User, facility: Facility | None, target: Any = None, **changes: Any
) -> None:
    with transaction.atomic():
        log.record(event, actor=user, facility=facility, target=target, changes=changes or None)


def _signer(request: HttpRequest, form: Any, name: str) -> User | None:
    """The person named in ``name`` / ``name_password``, their password checked; None if empty."""
    username = form.cleaned_data.get(name) or ""
    if not username:
        return None
    result = check_password(
        request,
        username=username,
        password=form.cleaned_data.get(f"{name}_password") or "",
        purpose="second_signer",
    )
    if result.user is None:
        raise ValidationError(
            {name: result.error if result.locked else "The name or password is wrong."}
        )
    return result.user


def _as_validation(exc: ValidationError | PermissionDenied) -> ValidationError:
    return exc if isinstance(exc, ValidationError) else ValidationError(str(exc))


# --- Stock ---------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = _facilities(user)
    wanted = request.GET.get("facility")
    facility = next((f for f in facilities if str(f.uuid) == wanted), facilities[0])
    _viewed("controlled.stock_viewed", user, facility)
    last_inventory = Inventory.objects.filter(facility=facility).order_by("-taken_on").first()
    context = {
        "facilities": facilities,
        "facility": facility,
        "balances": queries.balances(facility),
        "locations": queries.locations(facility),
        "open_discrepancies": queries.open_discrepancies([facility.pk]),
        "counts": queries.recent_counts(facility, 10),
        "inventories": queries.inventories(facility, 5),
        "biennial_due": rules.biennial_due(last_inventory.taken_on) if last_inventory else None,
        "can_record": permissions.can(user, permissions.CONTROLLED_RECORD, facility),
        "can_resolve": permissions.can(user, permissions.CONTROLLED_RESOLVE, facility),
        "retention_years": rules.rules().retention_years,
    }
    return render(request, "controlled/index.html", context)


def _stock_choices(facility: Facility) -> list[tuple[str, str]]:
    rows = (
        Stock.objects.filter(location__facility=facility, location__active=True)
        .select_related("location", "lot", "product")
        .order_by("location__name", "product__substance", "product__strength_mg", "lot__number")
    )
    return [
        (
            f"{row.location.uuid}:{row.lot.uuid}",
            f"{row.location.name} · {row.product} · lot {row.lot.number} "
            f"({report.number(row.units)} {row.product.unit})",
        )
        for row in rows
    ]


def _stock(facility: Facility, value: str) -> tuple[Location, Lot]:
    location_uuid, _, lot_uuid = value.partition(":")
    for row in Stock.objects.filter(location__facility=facility).select_related(
        "location__facility__program", "lot__product"
    ):
        if str(row.location.uuid) == location_uuid and str(row.lot.uuid) == lot_uuid:
            return row.location, row.lot
    raise ValidationError({"stock": "Choose a location and lot from the list."})


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest, facility_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    facility = _facility(user, facility_uuid, permissions.CONTROLLED_RECORD)
    locations = [loc for loc in queries.locations(facility) if loc.active]
    products = list(Product.objects.filter(program=facility.program, active=True))
    form = ReceiptForm(request.POST or None, locations=locations, products=products)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        location = next(loc for loc in locations if str(loc.uuid) == data["location"])
        product = next(p for p in products if str(p.uuid) == data["product"])
        try:
            entry = actions.do_receive(
                location,
                product,
                user=user,
                lot_number=data["lot_number"],
                units_received=data["units_received"],
                supplier=data["supplier"],
                document_number=data["document_number"],
                supplier_dea_number=data["supplier_dea_number"],
                expires_on=data["expires_on"],
                occurred_at=data["occurred_at"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, _as_validation(exc))
        else:
            messages.success(request, _saved(entry))
            return _back(facility)
    return _form_page(
        request,
        facility,
        form,
        "Receive stock",
        "Record containers received: the supplier, the invoice or DEA Form 222 number, the lot.",
        empty="" if locations and products else "Add a storage location and a product first.",
    )


def _saved(entry: Entry) -> str:
    return (
        f"{entry.get_kind_display()} of "
        f"{report.number(abs(entry.amount) or entry.amount_take_home)} "
        f"{entry.product.unit} recorded; {entry.location} now holds "
        f"{report.number(entry.balance_after)} of {entry.product}."
    )


def _back(facility: Facility) -> HttpResponse:
    response = redirect("controlled:index")
    response["Location"] += f"?facility={facility.uuid}"
    return response


def _form_page(
    request: HttpRequest,
    facility: Facility,
    form: Any,
    title: str,
    intro: str,
    empty: str = "",
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "controlled/form.html",
        {
            "facility": facility,
            "form": form,
            "title": title,
            "intro": intro,
            "empty": empty,
            **extra,
        },
    )


# One page per kind of entry that moves stock of a chosen lot.
ENTRY_PAGES: dict[str, tuple[str, str, str]] = {
    "waste": (
        "Record waste",
        "Stock wasted outside a dose (dropped, contaminated). A witness signs.",
        permissions.CONTROLLED_RECORD,
    ),
    "return": (
        "Return stock",
        "Stock sent back to the supplier or a reverse distributor.",
        permissions.CONTROLLED_RECORD,
    ),
    "destruction": (
        "Record destruction",
        "On-site destruction: two employees witness and sign; enter the DEA Form 41 reference.",
        permissions.CONTROLLED_RECORD,
    ),
    "transfer": (
        "Transfer stock",
        "Move stock between storage locations: a transfer out and a transfer in.",
        permissions.CONTROLLED_RECORD,
    ),
    "take_home": (
        "Dispense take-home doses",
        "Take-home doses dispensed to an outpatient.",
        permissions.CONTROLLED_RECORD,
    ),
    "adjustment": (
        "Record an adjustment",
        "A director's adjustment of a lot's balance, with the reason.",
        permissions.CONTROLLED_RESOLVE,
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def record_entry(request: HttpRequest, facility_uuid: Any, kind: str) -> HttpResponse:
    if kind not in ENTRY_PAGES:
        raise Http404("No such entry.")
    title, intro, capability = ENTRY_PAGES[kind]
    user = staff_user(request)
    facility = _facility(user, facility_uuid, capability)
    choices = _stock_choices(facility)
    data = request.POST or None
    form: Any
    targets: list[Location] = []
    if kind == "waste":
        form = WasteForm(data, stock_choices=choices)
    elif kind == "return":
        form = ReturnForm(data, stock_choices=choices)
    elif kind == "destruction":
        form = DestructionForm(data, stock_choices=choices)
    elif kind == "transfer":
        targets = list(
            Location.objects.filter(facility__program=facility.program, active=True)
            .select_related("facility")
            .order_by("facility__name", "name")
        )
        targets = [
            t for t in targets if permissions.can(user, permissions.CONTROLLED_RECORD, t.facility)
        ]
        form = TransferForm(data, stock_choices=choices, targets=targets)
    elif kind == "take_home":
        form = TakeHomeForm(data, stock_choices=choices)
    else:
        form = AdjustmentForm(data, stock_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            entry = _record(kind, request, form, facility, user, targets)
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, _as_validation(exc))
        else:
            messages.success(request, _saved(entry))
            return _back(facility)
    return _form_page(
        request,
        facility,
        form,
        title,
        intro,
        empty="" if choices else "There is no stock to move yet.",
    )


def _record(
    kind: str,
    request: HttpRequest,
    form: Any,
    facility: Facility,
    user: User,
    targets: list[Location],
) -> Entry:
    data = form.cleaned_data
    location, lot = _stock(facility, data["stock"])
    when = data.get("occurred_at")
    if kind == "waste":
        return actions.do_waste(
            location,
            lot,
            user=user,
            units_wasted=data["units_wasted"],
            witness=_signer(request, form, "witness"),
            reason=data["reason"],
            occurred_at=when,
        )
    if kind == "return":
        return actions.do_return(
            location,
            lot,
            user=user,
            units_returned=data["units_returned"],
            supplier=data["supplier"],
            document_number=data["document_number"],
            reason=data["reason"],
            occurred_at=when,
        )
    if kind == "destruction":
        return actions.do_destroy(
            location,
            lot,
            user=user,
            units_destroyed=data["units_destroyed"],
            witness=_signer(request, form, "witness"),
            second_witness=_signer(request, form, "second_witness"),
            form_41_reference=data["form_41_reference"],
            reason=data["reason"],
            occurred_at=when,
        )
    if kind == "transfer":
        target = next((t for t in targets if str(t.uuid) == data["target"]), None)
        if target is None:
            raise ValidationError({"target": "Choose a location from the list."})
        out, _into = actions.do_transfer(
            location,
            target,
            lot,
            user=user,
            units_moved=data["units_moved"],
            reason=data["reason"],
            occurred_at=when,
        )
        return out
    if kind == "take_home":
        episode = (
            Episode.objects.filter(
                patient__program=facility.program,
                patient__record_number=data["record_number"].strip(),
                facility=facility,
            )
            .select_related("patient", "facility")
            .order_by("-admitted_at")
            .first()
        )
        if episode is None:
            raise ValidationError(
                {"record_number": "No patient of this facility has that record number."}
            )
        return actions.do_take_home(
            location,
            lot,
            user=user,
            episode=episode,
            units_dispensed=data["units_dispensed"],
            reason=data["reason"],
            occurred_at=when,
        )
    return actions.do_adjust(
        location, lot, user=user, change=data["change"], reason=data["reason"], occurred_at=when
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, entry_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    entry = (
        Entry.objects.select_related(
            "facility",
            "location",
            "product",
            "lot",
            "patient",
            "recorded_by",
            "witness",
            "second_witness",
            "reverses",
            "counterpart",
        )
        .filter(uuid=entry_uuid, facility__in=_facilities(user))
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    can_reverse = permissions.can(user, permissions.CONTROLLED_RECORD, entry.facility)
    form = ReverseForm(request.POST or None)
    if request.method == "POST":
        if not can_reverse:
            raise PermissionDenied("Your role cannot correct ledger entries.")
        if form.is_valid():
            try:
                reversal = actions.do_reverse(entry, user=user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _saved(reversal))
                return redirect("controlled:entry", entry_uuid=reversal.uuid)
    else:
        _viewed("controlled.stock_viewed", user, entry.facility, entry)
    reversed_by = Entry.objects.filter(reverses=entry).first()
    return render(
        request,
        "controlled/entry.html",
        {
            "entry": entry,
            "form": form,
            "can_reverse": can_reverse and reversed_by is None,
            "reversed_by": reversed_by,
            "facility": entry.facility,
        },
    )


# --- Products and locations ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest, facility_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    facility = _facility(user, facility_uuid, permissions.CONTROLLED_RESOLVE)
    which = request.POST.get("which")
    product_form = ProductForm(request.POST if which == "product" else None, prefix="product")
    location_form = LocationForm(request.POST if which == "location" else None, prefix="location")
    if request.method == "POST":
        form: Any = product_form if which == "product" else location_form
        if which in {"product", "location"} and form.is_valid():
            data = form.cleaned_data
            try:
                if which == "product":
                    saved: Any = actions.do_save_product(
                        facility.program,
                        user=user,
                        facility=facility,
                        substance=data["substance"],
                        label=data["label"],
                        strength_mg=data["strength_mg"],
                        strength=data["strength"],
                        dosage_form=data["dosage_form"],
                        units_per_container=data["units_per_container"],
                        schedule=data["schedule"],
                        ndc=data["ndc"],
                    )
                else:
                    saved = actions.do_save_location(
                        facility, user=user, name=data["name"], kind=data["kind"]
                    )
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, _as_validation(exc))
            else:
                messages.success(request, f"{saved} saved.")
                return redirect("controlled:setup", facility_uuid=facility.uuid)
    context = {
        "facility": facility,
        "product_form": product_form,
        "location_form": location_form,
        "products": Product.objects.filter(program=facility.program).order_by(
            "substance", "strength_mg"
        ),
        "locations": queries.locations(facility),
    }
    return render(request, "controlled/setup.html", context)


def _setup_product(user: User, facility_uuid: Any, product_uuid: Any) -> tuple[Facility, Product]:
    facility = _facility(user, facility_uuid, permissions.CONTROLLED_RESOLVE)
    product = Product.objects.filter(uuid=product_uuid, program_id=facility.program_id).first()
    if product is None:
        raise Http404("No such product.")
    return facility, product


def _setup_location(
    user: User, facility_uuid: Any, location_uuid: Any
) -> tuple[Facility, Location]:
    facility = _facility(user, facility_uuid, permissions.CONTROLLED_RESOLVE)
    location = (
        Location.objects.select_related("facility")
        .filter(uuid=location_uuid, facility=facility)
        .first()
    )
    if location is None:
        raise Http404("No such location.")
    return facility, location


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, facility_uuid: Any, product_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    facility, product = _setup_product(user, facility_uuid, product_uuid)
    form = ProductEditForm(
        request.POST or None,
        product=product,
        initial={
            "substance": product.substance,
            "label": product.label,
            "strength_mg": product.strength_mg,
            "strength": product.strength,
            "dosage_form": product.dosage_form,
            "units_per_container": product.units_per_container,
            "schedule": product.schedule,
            "ndc": product.ndc,
            "version": actions.product_version(product),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.do_update_product(
                product,
                user=user,
                facility=facility,
                version=data["version"],
                substance=data["substance"],
                label=data["label"],
                strength_mg=data["strength_mg"],
                strength=data["strength"],
                dosage_form=data["dosage_form"],
                units_per_container=data["units_per_container"],
                schedule=data["schedule"],
                ndc=data["ndc"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{saved} saved.")
            return redirect("controlled:setup", facility_uuid=facility.uuid)
    return render(
        request,
        "controlled/product_edit.html",
        {"facility": facility, "product": product, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, facility_uuid: Any, location_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    facility, location = _setup_location(user, facility_uuid, location_uuid)
    form = LocationEditForm(
        request.POST or None,
        initial={
            "name": location.name,
            "kind": location.kind,
            "version": actions.location_version(location),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.do_update_location(
                location, user=user, version=data["version"], name=data["name"], kind=data["kind"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{saved} saved.")
            return redirect("controlled:setup", facility_uuid=facility.uuid)
    return render(
        request,
        "controlled/location_edit.html",
        {"facility": facility, "location": location, "form": form},
        status=400 if form.errors else 200,
    )


STATUS_TEXT = {
    ("product", "deactivate"): (
        "Stop stocking {name}?",
        "No stock of it can be received, drawn for a dose or dispensed until it is stocked "
        "again. Its lots, balances and every entry stay, and the log still shows it; what is "
        "left can still be counted, returned, destroyed or transferred.",
        "Stop stocking it",
        "{name} is no longer stocked.",
    ),
    ("product", "reactivate"): (
        "Stock {name} again?",
        "It can be received and drawn for doses again.",
        "Stock it again",
        "{name} is stocked again.",
    ),
    ("location", "deactivate"): (
        "Take {name} out of use?",
        "Nothing can be received into, drawn from or transferred to it until it is back in "
        "use. Only a location holding nothing can be taken out of use. Its entries, counts and "
        "history stay, and the log still shows it.",
        "Take it out of use",
        "{name} is no longer in use.",
    ),
    ("location", "reactivate"): (
        "Put {name} back in use?",
        "Stock can be received into it and drawn from it again.",
        "Put it back in use",
        "{name} is in use again.",
    ),
}


def _status_page(
    request: HttpRequest,
    facility: Facility,
    key: tuple[str, str],
    name: str,
    act: Any,
) -> HttpResponse:
    if key not in STATUS_TEXT:
        raise Http404("No such action.")
    title, body, button, done = (text.format(name=name) for text in STATUS_TEXT[key])
    cancel = reverse("controlled:setup", args=[facility.uuid])
    error = ""
    if request.method == "POST":
        try:
            act(key[1] == "reactivate")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect(cancel)
    context = {
        "facility": facility,
        "title": title,
        "body": body,
        "button": button,
        "danger": key[1] == "deactivate",
        "cancel": cancel,
        "error": error,
    }
    return render(request, "controlled/confirm.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_status(
    request: HttpRequest, facility_uuid: Any, product_uuid: Any, action: str
) -> HttpResponse:
    user = staff_user(request)
    facility, product = _setup_product(user, facility_uuid, product_uuid)
    return _status_page(
        request,
        facility,
        ("product", action),
        str(product),
        lambda active: actions.do_set_product_active(
            product, user=user, facility=facility, active=active
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_status(
    request: HttpRequest, facility_uuid: Any, location_uuid: Any, action: str
) -> HttpResponse:
    user = staff_user(request)
    facility, location = _setup_location(user, facility_uuid, location_uuid)
    return _status_page(
        request,
        facility,
        ("location", action),
        location.name,
        lambda active: actions.do_set_location_active(location, user=user, active=active),
    )


# --- Counts and discrepancies --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def count(request: HttpRequest, location_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    location = (
        Location.objects.select_related("facility__program")
        .filter(uuid=location_uuid, facility__in=_facilities(user))
        .first()
    )
    if location is None:
        raise Http404("No such location.")
    facility = _facility(user, location.facility.uuid, permissions.CONTROLLED_RECORD)
    products = actions.count_products(location)
    form = CountForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.do_count(
                location,
                user=user,
                cosigner=_signer(request, form, "cosigner"),
                counted=form.counted(),
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, _as_validation(exc))
        else:
            opened = Discrepancy.objects.filter(count_line__count=done).count()
            if opened:
                messages.warning(
                    request,
                    f"The count differs from the ledger for {opened} product"
                    f"{'s' if opened > 1 else ''}: a discrepancy is open for a director.",
                )
            else:
                messages.success(request, "Count signed: it matches the ledger.")
            return redirect("controlled:count_detail", count_uuid=done.uuid)
    return render(
        request,
        "controlled/count_form.html",
        {"facility": facility, "location": location, "form": form, "products": products},
    )


@login_required
def count_detail(request: HttpRequest, count_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    found = (
        Count.objects.select_related("location__facility", "counted_by", "cosigned_by")
        .filter(uuid=count_uuid, location__facility__in=_facilities(user))
        .first()
    )
    if found is None:
        raise Http404("No such count.")
    _viewed("controlled.stock_viewed", user, found.location.facility, found)
    lines = list(found.lines.select_related("product", "discrepancy"))
    return render(
        request,
        "controlled/count_detail.html",
        {"count": found, "lines": lines, "facility": found.location.facility},
    )


@login_required
@require_http_methods(["GET", "POST"])
def discrepancy(request: HttpRequest, discrepancy_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    found = (
        Discrepancy.objects.select_related(
            "facility",
            "location",
            "product",
            "resolved_by",
            "count_line__count__counted_by",
            "count_line__count__cosigned_by",
        )
        .filter(uuid=discrepancy_uuid, facility__in=_facilities(user))
        .first()
    )
    if found is None:
        raise Http404("No such discrepancy.")
    can_resolve = permissions.can(user, permissions.CONTROLLED_RESOLVE, found.facility)
    form = ResolveForm(request.POST or None)
    if request.method == "POST":
        if not can_resolve:
            raise PermissionDenied("Only a program director resolves a discrepancy.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_resolve_discrepancy(
                    found,
                    user=user,
                    resolution=data["resolution"],
                    significant_loss=data["significant_loss"],
                    adjust_to_count=data["adjust_to_count"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Discrepancy resolved.")
                return redirect("controlled:discrepancy", discrepancy_uuid=found.uuid)
    else:
        _viewed("controlled.stock_viewed", user, found.facility, found)
    steps = rules.form_106_steps(timezone.localdate(found.opened_at))
    return render(
        request,
        "controlled/discrepancy.html",
        {
            "discrepancy": found,
            "form": form,
            "can_resolve": can_resolve and found.resolved_at is None,
            "steps": steps,
            "facility": found.facility,
        },
    )


# --- Inventories ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def inventory_new(request: HttpRequest, facility_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    facility = _facility(user, facility_uuid, permissions.CONTROLLED_RECORD)
    stock = actions.inventory_rows(facility)
    first = not Inventory.objects.filter(facility=facility).exists()
    form = InventoryForm(
        request.POST or None,
        stock=stock,
        initial={"taken_on": timezone.localdate(), "kind": "initial" if first else "biennial"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inventory = actions.do_take_inventory(
                facility,
                user=user,
                kind=data["kind"],
                taken_on=data["taken_on"],
                taken_at=data["taken_at"],
                quantities=form.quantities(),
                sign=data["sign"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, _as_validation(exc))
        else:
            messages.success(request, f"{inventory.get_kind_display()} signed.")
            return redirect("controlled:inventory", inventory_uuid=inventory.uuid)
    return render(
        request,
        "controlled/inventory_form.html",
        {"facility": facility, "form": form, "stock": stock},
    )


INVENTORY_COLUMNS = (
    "facility",
    "inventory",
    "taken_on",
    "taken_at",
    "location",
    "substance",
    "strength",
    "dosage_form",
    "schedule",
    "units_per_container",
    "lot",
    "method",
    "quantity",
    "unit",
    "ledger_balance",
    "signed_by",
    "signed_at",
)


@login_required
def inventory_detail(request: HttpRequest, inventory_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    inventory = (
        Inventory.objects.select_related("facility", "signed_by")
        .filter(uuid=inventory_uuid, facility__in=_facilities(user))
        .first()
    )
    if inventory is None:
        raise Http404("No such inventory.")
    lines = list(inventory.lines.select_related("location", "product", "lot"))
    if request.GET.get("format") == "csv":
        _viewed("controlled.log_exported", user, inventory.facility, inventory, format="csv")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="inventory-{inventory.taken_on:%Y-%m-%d}.csv"'
        )
        writer = csv.writer(response, lineterminator="\n")
        writer.writerow(INVENTORY_COLUMNS)
        for line in lines:
            writer.writerow(
                [
                    inventory.facility.name,
                    inventory.kind,
                    inventory.taken_on.isoformat(),
                    inventory.taken_at,
                    line.location.name,
                    line.product.substance,
                    line.product.strength,
                    line.product.dosage_form,
                    line.product.schedule,
                    line.product.units_per_container,
                    line.lot.number,
                    line.method,
                    report.number(line.quantity),
                    line.product.unit,
                    report.number(line.ledger_balance),
                    inventory.signed_by.display_name,
                    timezone.localtime(inventory.signed_at).isoformat(timespec="minutes"),
                ]
            )
        return response
    _viewed("controlled.stock_viewed", user, inventory.facility, inventory)
    return render(
        request,
        "controlled/inventory.html",
        {
            "inventory": inventory,
            "lines": lines,
            "facility": inventory.facility,
            "next_due": rules.biennial_due(inventory.taken_on),
        },
    )


# --- The dispensing log -------------------------------------------------------------------------


@login_required
def dispensing_log(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = _facilities(user)
    today = timezone.localdate()
    params = request.GET.copy()
    params.setdefault("first", (today - timedelta(days=30)).isoformat())
    params.setdefault("last", today.isoformat())
    form = LogFilterForm(params, facilities=facilities)
    page = None
    entries = None
    if form.is_valid():
        data = form.cleaned_data
        chosen = [f for f in facilities if str(f.uuid) == data["facility"]] or facilities
        entries = queries.log_entries(
            chosen, data["first"], data["last"], substance=data["substance"], kind=data["entry"]
        )
        filters = {k: str(v) for k, v in data.items() if v}
        if request.GET.get("format") == "csv":
            return _log_csv(user, chosen, entries, filters)
        printing = request.GET.get("print") == "1"
        paginator = Paginator(entries, 5000 if printing else LOG_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        _viewed(
            "controlled.log_viewed",
            user,
            chosen[0] if len(chosen) == 1 else None,
            filters=filters,
            page=page.number,
        )
    query = params.copy()
    query.pop("page", None)
    query.pop("print", None)
    query.pop("format", None)
    return render(
        request,
        "controlled/log_print.html" if request.GET.get("print") == "1" else "controlled/log.html",
        {
            "form": form,
            "page": page,
            "searched": page is not None,
            "rows": [(entry, report.row(entry)) for entry in page] if page is not None else [],
            "columns": report.COLUMNS,
            "query": query.urlencode(),
            "printed_at": timezone.now(),
        },
    )


def _log_csv(
    user: User, chosen: list[Facility], entries: Any, filters: dict[str, str]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="controlled-substances-log-{filters.get("first")}-'
        f'{filters.get("last")}.csv"'
    )
    written = report.write(entries.iterator(chunk_size=500), response)
    _viewed(
        "controlled.log_exported",
        user,
        chosen[0] if len(chosen) == 1 else None,
        filters=filters,
        rows=written,
        format="csv",
    )
    return response
