"""The ledger's pages: every form refuses bad input and saves nothing; access follows the
permission table; the log page (filtered, paginated, CSV, print) reads in bounded queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.controlled import actions
from detoxdesk.controlled.models import (
    Count,
    Discrepancy,
    Entry,
    Inventory,
    Location,
    Product,
)
from factories import PASSWORD
from factories_controlled import make_location, stocked

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ledger(unit):
    location, lot = stocked(unit, "10")
    return unit, location, lot


def _choice(location, lot) -> str:
    return f"{location.uuid}:{lot.uuid}"


def _snapshot():
    return (
        Entry.objects.count(),
        Count.objects.count(),
        Discrepancy.objects.filter(resolved_at=None).count(),
        Inventory.objects.count(),
        Product.objects.count(),
        Location.objects.count(),
    )


BAD_ENTRY_POSTS = [
    ("waste", {"units_wasted": "1", "reason": "Dropped"}),  # no witness
    (
        "waste",
        {
            "units_wasted": "1",
            "reason": "Dropped",
            "witness": "prescriber",
            "witness_password": "wrong",
        },
    ),
    (
        "waste",
        {
            "units_wasted": "11",
            "reason": "Dropped",
            "witness": "prescriber",
            "witness_password": PASSWORD,
        },
    ),
    (
        "waste",
        {
            "units_wasted": "-1",
            "reason": "x",
            "witness": "prescriber",
            "witness_password": PASSWORD,
        },
    ),
    ("return", {"units_returned": "1", "supplier": "", "document_number": "RA", "reason": "x"}),
    ("return", {"units_returned": "abc", "supplier": "S", "document_number": "RA", "reason": "x"}),
    (
        "destruction",
        {
            "units_destroyed": "1",
            "form_41_reference": "F41",
            "reason": "x",
            "witness": "prescriber",
            "witness_password": PASSWORD,
            "second_witness": "prescriber",
            "second_witness_password": PASSWORD,
        },
    ),
    (
        "destruction",
        {
            "units_destroyed": "1",
            "form_41_reference": "",
            "reason": "x",
            "witness": "prescriber",
            "witness_password": PASSWORD,
        },
    ),
    ("transfer", {"units_moved": "1", "target": "nonsense"}),
    ("transfer", {"units_moved": "99", "target": "{safe}"}),
    ("take_home", {"units_dispensed": "1", "record_number": "NOPE"}),
    ("take_home", {"units_dispensed": "1e9", "record_number": "{mrn}"}),
    ("take_home", {"stock": "bad", "units_dispensed": "1", "record_number": "{mrn}"}),
    ("adjustment", {"change": "0", "reason": "x"}),
    ("adjustment", {"change": "-11", "reason": "x"}),
    ("adjustment", {"change": "1", "reason": ""}),
]


@pytest.mark.parametrize(("kind", "fields"), BAD_ENTRY_POSTS)
def test_bad_input_on_an_entry_form_saves_nothing(ledger, as_user, kind, fields):
    unit, location, lot = ledger
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    user = unit.director if kind == "adjustment" else unit.nurse
    data = {"stock": _choice(location, lot)}
    data.update(
        {k: v.format(safe=safe.uuid, mrn=unit.patient.record_number) for k, v in fields.items()}
    )
    before = _snapshot()
    response = as_user(user).post(reverse("controlled:record", args=[unit.ward.uuid, kind]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _snapshot() == before


GOOD_ENTRY_POSTS = [
    (
        "waste",
        {
            "units_wasted": "1",
            "reason": "Dropped",
            "witness": "prescriber",
            "witness_password": PASSWORD,
        },
        "waste",
    ),
    (
        "return",
        {"units_returned": "1", "supplier": "S", "document_number": "RA", "reason": "x"},
        "return",
    ),
    ("transfer", {"units_moved": "2", "target": "{safe}"}, "transfer_in"),
    ("take_home", {"units_dispensed": "1", "record_number": "{mrn}"}, "take_home"),
]


@pytest.mark.parametrize(("kind", "fields", "recorded"), GOOD_ENTRY_POSTS)
def test_an_entry_form_records_and_audits(ledger, as_user, kind, fields, recorded):
    unit, location, lot = ledger
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    data = {"stock": _choice(location, lot)}
    data.update(
        {k: v.format(safe=safe.uuid, mrn=unit.patient.record_number) for k, v in fields.items()}
    )
    response = as_user(unit.nurse).post(
        reverse("controlled:record", args=[unit.ward.uuid, kind]), data
    )
    assert response.status_code == 302
    assert Entry.objects.filter(kind=recorded).exists()
    assert AuditEvent.objects.filter(event="controlled.entry_recorded", actor=unit.nurse).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"lot_number": "", "units_received": "5", "supplier": "S", "document_number": "I"},
        {"lot_number": "L9", "units_received": "0", "supplier": "S", "document_number": "I"},
        {"lot_number": "L9", "units_received": "5", "supplier": "", "document_number": "I"},
        {"lot_number": "L9", "units_received": "5", "supplier": "S", "document_number": ""},
        {
            "lot_number": "L9",
            "units_received": "5",
            "supplier": "S",
            "document_number": "I",
            "occurred_at": "2999-01-01T00:00",
        },
        {
            "lot_number": "L9",
            "units_received": "5",
            "supplier": "S",
            "document_number": "I",
            "product": "nope",
        },
    ],
)
def test_bad_input_on_the_receipt_form_saves_nothing(ledger, as_user, fields):
    unit, location, lot = ledger
    data = {"location": str(location.uuid), "product": str(lot.product.uuid), **fields}
    before = _snapshot()
    response = as_user(unit.nurse).post(reverse("controlled:receive", args=[unit.ward.uuid]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _snapshot() == before


def test_the_receipt_form_records_a_receipt(ledger, as_user):
    unit, location, lot = ledger
    data = {
        "location": str(location.uuid),
        "product": str(lot.product.uuid),
        "lot_number": "L2",
        "units_received": "25",
        "supplier": "Harbor",
        "document_number": "222-1",
    }
    response = as_user(unit.nurse).post(reverse("controlled:receive", args=[unit.ward.uuid]), data)
    assert response.status_code == 302
    assert Entry.objects.filter(kind="receipt", lot__number="L2", amount=D(25)).exists()


def _count_data(lot, value, cosigner="prescriber", password=PASSWORD):
    return {
        f"product_{lot.product.uuid}": value,
        "cosigner": cosigner,
        "cosigner_password": password,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"value": ""},
        {"value": "-2"},
        {"value": "ten"},
        {"value": "9", "password": "wrong"},
        {"value": "9", "cosigner": "nurse", "password": PASSWORD},
        {"value": "9", "cosigner": "counselor", "password": PASSWORD},
    ],
)
def test_bad_input_on_the_count_form_saves_nothing(ledger, as_user, data):
    unit, location, lot = ledger
    before = _snapshot()
    response = as_user(unit.nurse).post(
        reverse("controlled:count", args=[location.uuid]), _count_data(lot, **data)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _snapshot() == before


def test_the_count_is_blind_and_a_difference_opens_a_discrepancy(ledger, as_user):
    unit, location, lot = ledger
    actions.do_waste(
        location,
        lot,
        user=unit.nurse,
        units_wasted=D("2.75"),
        witness=unit.prescriber,
        reason="Spilled",
    )
    client = as_user(unit.nurse)
    page = client.get(reverse("controlled:count", args=[location.uuid]))
    assert page.status_code == 200
    assert "Methadone 10 mg oral solution" in page.content.decode()
    assert "7.25" not in page.content.decode()  # the expected balance is not shown
    response = client.post(reverse("controlled:count", args=[location.uuid]), _count_data(lot, "7"))
    assert response.status_code == 302
    assert Discrepancy.objects.filter(resolved_at=None, counted=D(7), expected=D("7.25")).exists()
    assert "7.25" in client.get(response["Location"]).content.decode()  # shown once signed
    census = client.get(reverse("patients:census"))
    assert "Controlled-substance count discrepancy open" in census.content.decode()


def _open_discrepancy(unit, location, lot) -> Discrepancy:
    actions.do_count(
        location, user=unit.nurse, cosigner=unit.prescriber, counted={str(lot.product.uuid): "9"}
    )
    return Discrepancy.objects.get()


def test_bad_input_on_the_resolve_form_saves_nothing_and_only_a_director_resolves(ledger, as_user):
    unit, location, lot = ledger
    found = _open_discrepancy(unit, location, lot)
    url = reverse("controlled:discrepancy", args=[found.uuid])
    assert as_user(unit.nurse).post(url, {"resolution": "x", "confirm": "on"}).status_code == 403
    client = as_user(unit.director)
    for data in ({"resolution": "", "confirm": "on"}, {"resolution": "Found it"}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    found.refresh_from_db()
    assert found.resolved_at is None
    page = client.get(url).content.decode()
    assert "DEA Form 106" in page and "within one business day" in page
    response = client.post(
        url, {"resolution": "Late charting", "confirm": "on", "significant_loss": "on"}
    )
    assert response.status_code == 302
    found.refresh_from_db()
    assert found.resolved_by == unit.director and found.significant_loss


def test_bad_input_on_the_reverse_form_saves_nothing(ledger, as_user):
    unit, location, lot = ledger
    entry = Entry.objects.get()
    url = reverse("controlled:entry", args=[entry.uuid])
    client = as_user(unit.nurse)
    before = _snapshot()
    for data in ({"reason": "", "confirm": "on"}, {"reason": "Wrong"}):
        assert client.post(url, data).context["form"].errors
    assert _snapshot() == before
    assert client.post(url, {"reason": "Wrong lot", "confirm": "on"}).status_code == 302
    assert Entry.objects.filter(reverses=entry).exists()
    assert as_user(unit.auditor).post(url, {"reason": "x", "confirm": "on"}).status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "initial", "taken_on": "{today}", "taken_at": "opening"},  # not signed
        {"kind": "biennial", "taken_on": "{today}", "taken_at": "opening", "sign": "on"},
        {"kind": "initial", "taken_on": "2999-01-01", "taken_at": "opening", "sign": "on"},
        {"kind": "initial", "taken_on": "{today}", "taken_at": "noon", "sign": "on"},
        {
            "kind": "initial",
            "taken_on": "{today}",
            "taken_at": "opening",
            "sign": "on",
            "stock": "-1",
        },
    ],
)
def test_bad_input_on_the_inventory_form_saves_nothing(ledger, as_user, data):
    unit, location, lot = ledger
    stock = actions.inventory_rows(unit.ward)[0]
    filled = {k: v.format(today=timezone.localdate().isoformat()) for k, v in data.items()}
    filled[f"stock_{stock.pk}"] = filled.pop("stock", "10")
    response = as_user(unit.nurse).post(
        reverse("controlled:inventory_new", args=[unit.ward.uuid]), filled
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Inventory.objects.exists()


def test_an_inventory_is_signed_printable_and_downloadable(ledger, as_user):
    unit, location, lot = ledger
    stock = actions.inventory_rows(unit.ward)[0]
    client = as_user(unit.nurse)
    response = client.post(
        reverse("controlled:inventory_new", args=[unit.ward.uuid]),
        {
            "kind": "initial",
            "taken_on": timezone.localdate().isoformat(),
            "taken_at": "opening",
            "sign": "on",
            f"stock_{stock.pk}": "10",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Initial inventory" in page.content.decode() and "exact" in page.content.decode()
    download = client.get(response["Location"] + "?format=csv")
    assert download["Content-Type"].startswith("text/csv")
    assert download.content.decode().splitlines()[1].split(",")[11] == "exact"


@pytest.mark.parametrize(
    ("which", "fields"),
    [
        (
            "product",
            {
                "substance": "",
                "strength_mg": "8",
                "dosage_form": "tablet",
                "units_per_container": "100",
            },
        ),
        (
            "product",
            {
                "substance": "methadone",
                "strength_mg": "0",
                "dosage_form": "tablet",
                "units_per_container": "100",
            },
        ),
        (
            "product",
            {
                "substance": "methadone",
                "strength_mg": "10",
                "dosage_form": "solution",
                "units_per_container": "500",
            },
        ),  # already in the list
        (
            "product",
            {
                "substance": "methadone",
                "strength_mg": "5",
                "dosage_form": "tablet",
                "units_per_container": "0",
            },
        ),
        ("location", {"name": "", "kind": "safe"}),
        ("location", {"name": "Cart 1", "kind": "cart"}),  # taken
        ("location", {"name": "Fridge", "kind": "fridge"}),
    ],
)
def test_bad_input_on_the_setup_forms_saves_nothing(ledger, as_user, which, fields):
    unit, location, lot = ledger
    data = {"which": which, **{f"{which}-{k}": v for k, v in fields.items()}}
    before = _snapshot()
    response = as_user(unit.director).post(reverse("controlled:setup", args=[unit.ward.uuid]), data)
    assert response.status_code == 200
    assert response.context[f"{which}_form"].errors
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("persona", "url_name", "status"),
    [
        ("nurse", "index", 200),
        ("auditor", "index", 200),
        ("director", "index", 200),
        ("counselor", "index", 403),
        ("admin", "index", 403),
        ("auditor", "log", 200),
        ("auditor", "receive", 403),
        ("auditor", "setup", 403),
        ("nurse", "setup", 403),
        ("director", "setup", 200),
        ("outsider", "receive", 404),
    ],
)
def test_access_follows_the_permission_table(ledger, as_user, persona, url_name, status):
    unit, _location, _lot = ledger
    args = [unit.ward.uuid] if url_name in {"receive", "setup"} else []
    response = as_user(getattr(unit, persona)).get(reverse(f"controlled:{url_name}", args=args))
    assert response.status_code == status


def test_the_log_page_filters_downloads_and_prints(ledger, as_user):
    unit, location, lot = ledger
    actions.do_waste(
        location, lot, user=unit.nurse, units_wasted=D(1), witness=unit.prescriber, reason="Dropped"
    )
    client = as_user(unit.auditor)
    url = reverse("controlled:log")
    page = client.get(url, {"entry": "waste"})
    body = page.content.decode()
    assert page.context["page"].paginator.count == 1
    assert ">waste</a>" in body and ">receipt</a>" not in body
    download = client.get(url, {"format": "csv", "first": "2026-03-02", "last": "2026-03-02"})
    lines = download.content.decode().splitlines()
    assert lines[0].startswith("facility,location,substance")
    assert len(lines) == 3
    printed = client.get(url, {"print": "1"})
    assert "printable" in printed.content.decode()
    bad = client.get(url, {"first": "2026-03-05", "last": "2026-03-01"})
    assert bad.status_code == 200 and bad.context["form"].errors
    assert AuditEvent.objects.filter(event="controlled.log_exported", actor=unit.auditor).exists()


def _entries(unit, location, lot, n):
    for _ in range(n):
        actions.do_adjust(location, lot, user=unit.director, change=D(1), reason="Found")


@pytest.mark.parametrize("n", [2, 30])
def test_the_log_page_reads_in_bounded_queries(ledger, as_user, django_assert_num_queries, n):
    unit, location, lot = ledger
    _entries(unit, location, lot, n)
    client = as_user(unit.auditor)
    client.get(reverse("controlled:log"))  # warm the session
    with django_assert_num_queries(QUERIES["log"]):
        response = client.get(reverse("controlled:log"))
    assert len(response.context["rows"]) == n + 1


@pytest.mark.parametrize("n", [1, 12])
def test_the_stock_page_reads_in_bounded_queries(ledger, as_user, django_assert_num_queries, n):
    unit, location, lot = ledger
    for i in range(n):
        place = make_location(unit.ward, unit.director, name=f"Cart {i + 2}")
        actions.do_transfer(location, place, lot, user=unit.nurse, units_moved=D("0.1"))
    client = as_user(unit.nurse)
    client.get(reverse("controlled:index"))
    with django_assert_num_queries(QUERIES["index"]):
        response = client.get(reverse("controlled:index"))
    assert len(response.context["balances"]) == n + 1


# Session, user, memberships, the audit append, the page's own reads: the same at both sizes.
QUERIES = {"log": 14, "index": 18}
