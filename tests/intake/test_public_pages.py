from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import course
from detoxdesk.intake.models import Inquiry

pytestmark = pytest.mark.django_db

PAGES = [
    "public:home",
    "public:what_to_expect",
    "public:medications",
    "public:after_detox",
    "public:get_help",
    "public:thanks",
]


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_every_public_page_with_the_crisis_numbers(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    for number in ("988", "1-800-662-4357", "911"):
        assert number in html
    assert html.count("<main") == 1
    assert 'style="' not in html
    # Scripts only from files (the content security policy allows no inline script).
    assert re.findall(r"<script[^>]*>", html) == re.findall(r'<script src="[^"]+" defer>', html)
    assert not re.search(r"<script[^>]*>[^<]", html)


def test_it_takes_the_course_ranges_from_the_knowledge_file(client):
    html = client.get(reverse("public:what_to_expect")).content.decode()
    short = course.course_for("short_acting")
    assert f"{short.onset_hours.low}–{short.onset_hours.high} hours" in html
    assert f"{short.acute_days.low}–{short.acute_days.high} days" in html
    assert "variable, may be prolonged" in html
    assert "SAMHSA TIP 63" in html


def test_it_explains_rapid_detox_is_not_recommended(client):
    html = client.get(reverse("public:home")).content.decode()
    assert "Not recommended" in html and "anesthesia" in html


def _valid(**overrides):
    data = {
        "overdose_now": "no",
        "thinking_of_suicide": "no",
        "for_whom": "other",
        "caller_name": "Pat",
        "caller_relationship": "mother",
        "given_name": "Alex",
        "family_name": "Rowe",
        "phone": "555 0123",
        "contact_method": "phone",
        "substances": ["fentanyl"],
        "last_use": "",
        "facility": "",
    }
    data.update(overrides)
    return data


def test_it_takes_an_inquiry_and_confirms_without_anything_identifying_in_the_url(client, unit):
    response = client.post(reverse("public:get_help"), _valid())
    assert response.status_code == 302
    assert response["Location"] == reverse("public:thanks")
    inquiry = Inquiry.objects.get()
    assert inquiry.facility == unit.other  # the first facility by name when none is chosen
    assert inquiry.urgency == Inquiry.Urgency.PRIORITY  # fentanyl named
    assert inquiry.caller_relationship == "mother"
    event = AuditEvent.objects.get(event="inquiry.received")
    assert "Alex" not in str(event.changes) and "555" not in str(event.changes)


def test_it_marks_a_safety_yes_urgent_and_says_what_to_do_now(client, unit):
    response = client.post(reverse("public:get_help"), _valid(thinking_of_suicide="yes", phone=""))
    assert response.status_code == 200  # the phone is missing, but the guidance comes first
    html = response.content.decode()
    assert html.index("Do this right now") < html.index("<form")
    assert not Inquiry.objects.exists()
    client.post(reverse("public:get_help"), _valid(thinking_of_suicide="yes"))
    assert Inquiry.objects.get().urgency == Inquiry.Urgency.URGENT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"contact_method": "email"}, "email"),
        ({"overdose_now": ""}, "overdose_now"),
        ({"last_use": "2999-01-01"}, "last_use"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(client, unit, overrides, field):
    response = client.post(reverse("public:get_help"), _valid(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert "Nothing was saved" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_it_quietly_drops_a_filled_honeypot(client, unit):
    response = client.post(reverse("public:get_help"), _valid(website="http://spam.example"))
    assert response.status_code == 302
    assert not Inquiry.objects.exists()


def test_it_rate_limits_per_client(client, unit, settings):

    for _ in range(settings.INQUIRY_RATE_LIMIT):
        assert client.post(reverse("public:get_help"), _valid()).status_code == 302
    response = client.post(reverse("public:get_help"), _valid())
    assert response.status_code == 429
    assert Inquiry.objects.count() == settings.INQUIRY_RATE_LIMIT


def test_it_labels_every_input_of_the_inquiry_form(client, unit):
    html = client.get(reverse("public:get_help")).content.decode()
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert ids
    for found in ids:
        assert f'for="{found}"' in html, found
