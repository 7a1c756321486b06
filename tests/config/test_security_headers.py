from __future__ import annotations

from django.urls import reverse


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get(reverse("public:home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_public_pages_show_the_crisis_numbers(client, db):
    body = client.get(reverse("public:home")).content.decode()
    for number in ("988", "1-800-662-4357", "911"):
        assert number in body


def test_signed_in_pages_are_never_cached(unit, as_user):
    response = as_user(unit.nurse).get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert "no-store" in response["Cache-Control"]
