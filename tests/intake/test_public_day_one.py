"""The public pages: every one links to the directory, and the thanks page says "call now" once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    "public:home",
    "public:what_to_expect",
    "public:medications",
    "public:after_detox",
    "public:get_help",
    "public:thanks",
]


def _valid(**overrides):
    data = {
        "overdose_now": "no",
        "thinking_of_suicide": "no",
        "for_whom": "self",
        "given_name": "Alex",
        "family_name": "Rowe",
        "phone": "555 0123",
        "contact_method": "phone",
        "substances": ["fentanyl"],
    }
    return data | overrides


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("name", [*PAGES, "directory:search"])
def test_every_public_page_links_to_find_help(client, name):
    html = client.get(reverse(name)).content.decode()
    assert f'href="{reverse("directory:search")}"' in html
    assert reverse("directory:search") == "/find-help/"


def test_find_help_exists(client):
    assert client.get("/find-help/").status_code == 200


def _thanks_after(client, **answers):
    sent = client.post(reverse("public:get_help"), _valid(**answers))
    assert sent["Location"] == reverse("public:thanks")
    return client.get(sent["Location"]).content.decode()


@pytest.mark.parametrize("answers", [{"overdose_now": "yes"}, {"thinking_of_suicide": "yes"}])
def test_the_thanks_page_leads_with_what_to_do_now_once_after_a_yes(client, unit, answers):
    html = _thanks_after(client, **answers)
    assert html.count("Do this right now") == 1
    assert html.index("Do this right now") < html.index("What happens next")
    assert html.count("911</a> now") + html.count("call 911 now") == 1
    assert "If things get worse before we reach you" not in html
    # The next visit to the page is a plain confirmation again.
    assert "Do this right now" not in client.get(reverse("public:thanks")).content.decode()


def test_the_thanks_page_after_two_noes_keeps_the_plain_advice(client, unit):
    html = _thanks_after(client)
    assert "Do this right now" not in html
    assert "If things get worse before we reach you" in html
    assert html.count("call 911 now") == 1  # the footer's line


def test_the_urgent_answer_is_not_in_the_confirmation_address(client, unit):
    sent = client.post(reverse("public:get_help"), _valid(overdose_now="yes"))
    assert sent["Location"] == "/get-help/thanks/"
