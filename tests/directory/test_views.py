from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.directory.models import Resource
from factories_directory import make_place, make_resource

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Harbor Recovery",
    "kind": "treatment_program",
    "address_line": "1 Main St",
    "city": "Boston",
    "region": "MA",
    "postcode": "02108",
    "latitude": "42.3601",
    "longitude": "-71.0589",
    "phone": "617-555-0100",
    "services": "Counseling; buprenorphine",
    "languages": "English",
    "payment": "Medicaid",
    "accepting_new_patients": "on",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_it_sends_anonymous_staff_pages_to_sign_in(client):
    resource = make_resource()
    for url in (
        reverse("directory:list"),
        reverse("directory:add"),
        reverse("directory:detail", args=[resource.uuid]),
        reverse("directory:edit", args=[resource.uuid]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/sign-in/" in response["Location"]


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "counselor", "coordinator", "director"])
def test_it_shows_the_list_to_clinical_staff_and_audits_it(unit, as_user, persona):
    make_resource(name="Harbor Recovery")
    response = as_user(getattr(unit, persona)).get(reverse("directory:list"))
    assert response.status_code == 200
    assert b"Harbor Recovery" in response.content
    assert AuditEvent.objects.filter(event="directory.viewed").count() == 1


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_it_refuses_the_list_to_roles_without_the_capability(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(reverse("directory:list")).status_code == 403


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "director", "auditor"])
def test_it_refuses_changes_to_roles_without_manage(unit, as_user, persona):
    resource = make_resource()
    client = as_user(getattr(unit, persona))
    assert client.get(reverse("directory:add")).status_code == 403
    assert client.post(reverse("directory:add"), VALID).status_code == 403
    assert client.post(reverse("directory:edit", args=[resource.uuid]), VALID).status_code == 403
    assert client.post(reverse("directory:verify", args=[resource.uuid])).status_code == 403
    assert Resource.objects.count() == 1


def test_a_counselor_adds_a_resource_with_an_audit_event(unit, as_user):
    response = as_user(unit.counselor).post(reverse("directory:add"), VALID)
    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:detail", args=[resource.uuid])
    assert resource.services == ["buprenorphine", "counseling"]
    assert resource.one_line_address == "1 Main St, Boston, MA 02108"
    assert AuditEvent.objects.get(event="resource.created").actor == unit.counselor


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", "91", "Must be between -90 and 90."),
        ("longitude", "-200", "Must be between -180 and 180."),
        ("longitude", "", "Give both latitude and longitude, or neither."),
        ("name", "", "This field is required."),
        ("website", "not a url", "Enter a full web address (https://…)."),
    ],
)
def test_it_refuses_bad_input_naming_the_field(unit, as_user, field, value, message):
    response = as_user(unit.coordinator).post(reverse("directory:add"), {**VALID, field: value})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert Resource.objects.count() == 0


def test_it_edits_and_records_only_what_changed(unit, as_user):
    fields = {**VALID, "accepting_new_patients": True, "languages": [], "payment": []}
    resource = make_resource(**{**fields, "services": ["counseling"]})
    client = as_user(unit.counselor)
    data = {
        **VALID,
        "phone": "617-555-0199",
        "services": "counseling",
        "languages": "",
        "payment": "",
    }
    client.post(reverse("directory:edit", args=[resource.uuid]), data)
    event = AuditEvent.objects.get(event="resource.updated")
    assert event.changes == {"phone": "617-555-0199"}
    resource.refresh_from_db()
    assert resource.phone == "617-555-0199"


def test_it_verifies_a_resource_and_refuses_a_future_date(unit, as_user):
    resource = make_resource()
    client = as_user(unit.coordinator)
    url = reverse("directory:verify", args=[resource.uuid])
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert client.post(url, {"verified_on": tomorrow.isoformat()}).status_code == 400
    resource.refresh_from_db()
    assert resource.last_verified_on is None
    client.post(url, {"verified_on": timezone.localdate().isoformat()})
    resource.refresh_from_db()
    assert resource.last_verified_on == timezone.localdate()
    assert resource.last_verified_by == unit.coordinator
    assert AuditEvent.objects.filter(event="resource.verified").count() == 1


def test_it_searches_by_distance_from_a_postcode(unit, as_user):
    make_place("10007", "New York", 40.7128, -74.0060)
    make_resource(name="Newark", latitude=40.7357, longitude=-74.1724)
    make_resource(name="Chicago", latitude=41.8781, longitude=-87.6298)
    response = as_user(unit.nurse).get(reverse("directory:list"), {"near": "10007", "radius": 25})
    names = [h.resource.name for h in response.context["hits"]]
    assert names == ["Newark"]
    assert b"8.9 miles" in response.content


def test_it_names_an_unknown_place(unit, as_user):
    response = as_user(unit.nurse).get(reverse("directory:list"), {"near": "Atlantis"})
    assert "We do not know that place" in response.context["form"].errors["near"][0]


def test_the_list_pages_with_few_queries(unit, as_user, django_assert_max_num_queries):
    for n in range(60):
        make_resource(name=f"R{n:02}", services=["counseling"])
    client = as_user(unit.nurse)
    # +3: the audit event, written outside a transaction, opens one and locks and moves the
    # chain head (detoxdesk.audit.log.record).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("directory:list"), {"service": "counseling", "page": 2})
    assert [h.resource.name for h in response.context["hits"]][0] == "R25"
    assert b"Page 2 of 3" in response.content


def test_the_public_page_needs_no_sign_in_and_records_nothing(client):
    make_resource(name="Harbor Recovery", kind="opioid_treatment_program", notes="staff only")
    response = client.get(reverse("directory:search"))
    assert response.status_code == 200
    assert b"Need help right now?" in response.content
    assert b"Harbor Recovery" not in response.content  # nothing until a search
    response = client.get(reverse("directory:search"), {"kind": "opioid_treatment_program"})
    assert b"Harbor Recovery" in response.content
    assert b"staff only" not in response.content
    assert reverse("directory:detail", args=[Resource.objects.get().uuid]).encode() not in (
        response.content
    )
    assert AuditEvent.objects.count() == 0


@override_settings(DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE=3)
def test_the_public_search_is_rate_limited(client):
    for _ in range(3):
        assert client.get(reverse("directory:search"), {"q": "x"}).status_code == 200
    assert client.get(reverse("directory:search"), {"q": "x"}).status_code == 429
    assert client.get(reverse("directory:search")).status_code == 200  # the empty form still shows
