"""Directors edit, deactivate and reactivate products and storage locations on the setup pages:
edit forms refuse stale saves, deactivating asks first, a location holding stock stays in use, and
a product no longer stocked takes no receipts or draws while its history stays."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.controlled import actions
from detoxdesk.controlled.models import DoseDraw, Entry, Location, Product, Stock
from detoxdesk.medications.actions import StockDraw
from detoxdesk.medications.models import Administration
from factories_controlled import (
    give,
    make_location,
    make_product,
    methadone_order,
    receive,
    stocked,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ledger(unit):
    location, lot = stocked(unit, "10")
    return unit, location, lot


def returned(unit, location, lot, units="10"):
    """Send a lot's stock back to the supplier, so that nothing of it is held."""
    actions.do_return(
        location,
        lot,
        user=unit.nurse,
        units_returned=D(units),
        supplier="Harbor Wholesale",
        document_number="R-1",
        reason="Product no longer stocked",
    )


def _url(name, unit, *args):
    return reverse(f"controlled:{name}", args=[unit.ward.uuid, *args])


def _product_post(client, url, **changes):
    """Post the edit form as the page shows it, with ``changes``."""
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(changes)
    return client.post(url, {k: str(v) for k, v in data.items()})


def _row(product: Product) -> tuple:
    product.refresh_from_db()
    return (
        product.substance,
        product.label,
        product.strength_mg,
        product.strength,
        product.dosage_form,
        product.units_per_container,
        product.schedule,
        product.ndc,
        product.active,
    )


# --- Editing ------------------------------------------------------------------------------------


def test_a_director_edits_a_product_and_it_is_audited(ledger, as_user):
    unit, _location, lot = ledger
    product = lot.product
    client = as_user(unit.director)
    response = _product_post(
        client,
        _url("product", unit, product.uuid),
        label="Methadose",
        strength="10 mg/mL (Methadose)",
        units_per_container="1000",
        schedule="II",
        ndc="0406-0527-34",
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.label, product.units_per_container, product.ndc) == (
        "Methadose",
        1000,
        "0406-0527-34",
    )
    event = AuditEvent.objects.filter(
        event="controlled.product_saved", object_id=str(product.uuid)
    ).latest("pk")
    assert event.changes["units_per_container"] == ["500", "1000"]
    assert event.actor == unit.director


def test_a_product_without_entries_changes_its_substance_strength_and_form(unit, as_user):
    product = make_product(unit.ward, unit.director)
    response = _product_post(
        as_user(unit.director),
        _url("product", unit, product.uuid),
        substance="buprenorphine",
        strength_mg="8",
        strength="",
        label="",
        dosage_form="film",
        schedule="",
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.substance, product.strength_mg, product.dosage_form, product.schedule) == (
        "buprenorphine",
        D(8),
        "film",
        "III",
    )


def test_the_units_of_a_product_with_entries_cannot_change(ledger, as_user):
    unit, _location, lot = ledger
    before = _row(lot.product)
    response = _product_post(
        as_user(unit.director), _url("product", unit, lot.product.uuid), strength_mg="5"
    )
    assert response.status_code == 400
    assert "strength_mg" in response.context["form"].errors
    assert _row(lot.product) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units_per_container": "0"}, "units_per_container"),
        ({"units_per_container": "abc"}, "units_per_container"),
        ({"strength_mg": "-1"}, "strength_mg"),
        ({"dosage_form": "patch"}, "dosage_form"),
        ({"substance": ""}, "substance"),
        ({"schedule": "I"}, "schedule"),
        ({"ndc": "1" * 21}, "ndc"),
    ],
)
def test_bad_input_on_the_product_edit_form_saves_nothing(ledger, as_user, changes, field):
    unit, _location, lot = ledger
    before = _row(lot.product)
    events = AuditEvent.objects.count()
    response = _product_post(
        as_user(unit.director), _url("product", unit, lot.product.uuid), **changes
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _row(lot.product) == before
    assert AuditEvent.objects.filter(event="controlled.product_saved").count() == 1
    assert AuditEvent.objects.count() == events


def test_a_product_cannot_become_a_duplicate(ledger, as_user):
    unit, _location, _lot = ledger
    other = make_product(unit.ward, unit.director, mg="5", form="tablet", per_container=100)
    response = _product_post(
        as_user(unit.director),
        _url("product", unit, other.uuid),
        strength_mg="10",
        dosage_form="solution",
    )
    assert response.status_code == 400
    assert "strength_mg" in response.context["form"].errors
    other.refresh_from_db()
    assert other.strength_mg == D(5)


def test_a_stale_product_edit_is_refused_and_shows_the_other_change(ledger, as_user):
    unit, _location, lot = ledger
    product = lot.product
    client = as_user(unit.director)
    url = _url("product", unit, product.uuid)
    form = client.get(url).context["form"]
    data = {name: str(form[name].value() or "") for name in form.fields}
    product.refresh_from_db()
    actions.do_update_product(
        product,
        user=unit.director,
        facility=unit.ward,
        version=actions.product_version(product),
        substance=product.substance,
        label=product.label,
        strength_mg=product.strength_mg,
        strength=product.strength,
        dosage_form=product.dosage_form,
        units_per_container=250,
        schedule=product.schedule,
        ndc="",
    )
    data["units_per_container"] = "1000"
    response = client.post(url, data)
    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Someone else changed this record" in errors
    assert "250 per container" in errors
    product.refresh_from_db()
    assert product.units_per_container == 250


def test_a_director_edits_a_location_and_a_stale_edit_is_refused(ledger, as_user):
    unit, location, _lot = ledger
    client = as_user(unit.director)
    url = _url("location", unit, location.uuid)
    version = client.get(url).context["form"]["version"].value()
    response = client.post(url, {"name": "Cart A", "kind": "cart", "version": version})
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.name == "Cart A"
    event = AuditEvent.objects.filter(event="controlled.location_saved").latest("pk")
    assert event.changes == {"name": ["Cart 1", "Cart A"]}
    # The same form, read before that save, is now stale.
    response = client.post(url, {"name": "Cart B", "kind": "safe", "version": version})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Someone else changed this record" in errors and "“Cart A”" in errors
    location.refresh_from_db()
    assert (location.name, location.kind) == ("Cart A", "cart")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "kind": "cart"}, "name"),
        ({"name": "Safe", "kind": "cart"}, "name"),  # taken
        ({"name": "Cart 1", "kind": "fridge"}, "kind"),
    ],
)
def test_bad_input_on_the_location_edit_form_saves_nothing(ledger, as_user, fields, field):
    unit, location, _lot = ledger
    make_location(unit.ward, unit.director, name="Safe", kind="safe")
    client = as_user(unit.director)
    url = _url("location", unit, location.uuid)
    version = client.get(url).context["form"]["version"].value()
    events = AuditEvent.objects.count()
    response = client.post(url, {**fields, "version": version})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    location.refresh_from_db()
    assert (location.name, location.kind) == ("Cart 1", "cart")
    assert AuditEvent.objects.count() == events


# --- Deactivating ---------------------------------------------------------------------------------


def test_deactivating_a_product_asks_first_then_keeps_its_history(ledger, as_user):
    unit, location, lot = ledger
    product = lot.product
    client = as_user(unit.director)
    url = _url("product_status", unit, product.uuid, "deactivate")
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop stocking" in page.content.decode()
    product.refresh_from_db()
    assert product.active  # the confirmation page changes nothing
    # While a location holds some of it, it stays stocked: a dose from that stock must draw.
    refused = client.post(url)
    assert refused.status_code == 400
    assert "still held" in refused.content.decode()
    product.refresh_from_db()
    assert product.active
    returned(unit, location, lot)
    assert client.post(url).status_code == 302
    product.refresh_from_db()
    assert not product.active
    assert AuditEvent.objects.filter(
        event="controlled.product_deactivated", object_id=str(product.uuid)
    ).exists()
    # Its entries stay, and the log still shows it.
    assert Stock.objects.get(location=location, lot=lot).units == D(0)
    assert Entry.objects.filter(product=product).count() == 2
    today = timezone.localdate().isoformat()
    log = client.get(reverse("controlled:log"), {"first": today, "last": today})
    assert "Methadone" in log.content.decode() and "L1" in log.content.decode()
    # And it can be stocked again.
    assert client.post(_url("product_status", unit, product.uuid, "reactivate")).status_code == 302
    product.refresh_from_db()
    assert product.active


def test_a_product_no_longer_stocked_takes_no_receipt(ledger, as_user):
    unit, location, lot = ledger
    returned(unit, location, lot)
    actions.do_set_product_active(lot.product, user=unit.director, facility=unit.ward, active=False)
    with pytest.raises(ValidationError, match="no longer stocked"):
        receive(location, lot.product, unit.nurse, "5", lot="L2")
    response = as_user(unit.nurse).post(
        reverse("controlled:receive", args=[unit.ward.uuid]),
        {
            "location": str(location.uuid),
            "product": str(lot.product.uuid),
            "lot_number": "L2",
            "units_received": "5",
            "supplier": "Harbor Wholesale",
            "document_number": "INV-2",
        },
    )
    assert response.status_code == 200
    assert "product" in response.context["form"].errors
    assert Entry.objects.count() == 2  # the receipt and the return: nothing more


def test_a_dose_cannot_be_drawn_from_a_product_no_longer_stocked(ledger, as_user):
    unit, location, lot = ledger
    # Another methadone product is still stocked, so the dose form asks for a lot.
    tablets = make_product(unit.ward, unit.director, mg="5", form="tablet", per_container=100)
    receive(location, tablets, unit.nurse, "20", lot="T1")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    client = as_user(unit.nurse)
    url = reverse("medications:record_dose", args=[order.line.uuid])
    page = client.get(url)
    assert f"{location.uuid}:{lot.uuid}" in page.content.decode()
    with pytest.raises(ValidationError, match="still held"):
        actions.do_set_product_active(
            lot.product, user=unit.director, facility=unit.ward, active=False
        )
    returned(unit, location, lot)
    actions.do_set_product_active(lot.product, user=unit.director, facility=unit.ward, active=False)
    assert f"{location.uuid}:{lot.uuid}" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "outcome": "given",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "checked": page.context["check"].fingerprint,
            "acknowledge_warnings": "on",
            "controlled_stock": f"{location.uuid}:{lot.uuid}",
        },
    )
    assert response.status_code == 200
    assert "controlled_stock" in response.context["form"].errors
    assert not Administration.objects.exists()
    assert not DoseDraw.objects.exists()
    assert Stock.objects.get(location=location, lot=lot).units == D(0)
    # The action refuses it too.
    with pytest.raises(ValidationError, match="no longer stocked"):
        give(order, unit.nurse, draw=StockDraw(location, lot))
    assert not Administration.objects.exists()


def test_a_location_holding_stock_cannot_be_taken_out_of_use(ledger, as_user):
    unit, location, _lot = ledger
    client = as_user(unit.director)
    url = _url("location_status", unit, location.uuid, "deactivate")
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was changed." in text
    assert "still holds 10 mL of Methadone" in text and "balance must be zero" in text
    location.refresh_from_db()
    assert location.active
    assert not AuditEvent.objects.filter(event="controlled.location_deactivated").exists()


def test_an_empty_location_is_taken_out_of_use_after_confirming(ledger, as_user):
    unit, location, lot = ledger
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    actions.do_transfer(location, safe, lot, user=unit.nurse, units_moved=D(10))
    client = as_user(unit.director)
    url = _url("location_status", unit, location.uuid, "deactivate")
    page = client.get(url)
    assert "Take Cart 1 out of use?" in page.content.decode()
    location.refresh_from_db()
    assert location.active
    assert client.post(url).status_code == 302
    location.refresh_from_db()
    assert not location.active
    assert AuditEvent.objects.filter(
        event="controlled.location_deactivated", object_id=str(location.uuid)
    ).exists()
    # Its entries stay; nothing can be moved into it; the setup page says it is not in use.
    assert Entry.objects.filter(location=location).count() == 2
    with pytest.raises(ValidationError, match="no longer in use"):
        actions.do_transfer(safe, location, lot, user=unit.nurse, units_moved=D(1))
    with pytest.raises(ValidationError, match="no longer in use"):
        receive(location, lot.product, unit.nurse, "5")
    assert (
        "(not in use)"
        in client.get(reverse("controlled:setup", args=[unit.ward.uuid])).content.decode()
    )
    assert (
        client.post(_url("location_status", unit, location.uuid, "reactivate")).status_code == 302
    )
    location.refresh_from_db()
    assert location.active


def test_an_unknown_status_action_is_not_found(ledger, as_user):
    unit, location, lot = ledger
    client = as_user(unit.director)
    assert client.post(_url("location_status", unit, location.uuid, "delete")).status_code == 404
    assert client.post(_url("product_status", unit, lot.product.uuid, "delete")).status_code == 404
    assert Location.objects.filter(pk=location.pk).exists()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["nurse", "auditor", "prescriber"])
def test_only_a_director_edits_or_deactivates(ledger, as_user, persona):
    unit, location, lot = ledger
    product = lot.product
    client = as_user(getattr(unit, persona))
    before = (_row(product), Location.objects.values_list("name", "kind", "active").get())
    urls = [
        _url("product", unit, product.uuid),
        _url("product_status", unit, product.uuid, "deactivate"),
        _url("location", unit, location.uuid),
        _url("location_status", unit, location.uuid, "deactivate"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"name": "X", "kind": "safe", "units_per_container": "1"}).status_code
            == 403
        )
    assert (_row(product), Location.objects.values_list("name", "kind", "active").get()) == before


def test_a_move_read_before_the_location_went_out_of_use_is_refused(ledger):
    unit, location, lot = ledger
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    read_earlier = Location.objects.get(pk=safe.pk)  # as a form read it, still in use
    actions.do_set_location_active(safe, user=unit.director, active=False)
    with pytest.raises(ValidationError, match="no longer in use"):
        receive(read_earlier, lot.product, unit.nurse, "5", lot="L2")
    with pytest.raises(ValidationError, match="no longer in use"):
        actions.do_transfer(location, read_earlier, lot, user=unit.nurse, units_moved=D(1))
    assert not Stock.objects.filter(location=safe).exists()
    assert Entry.objects.count() == 1
