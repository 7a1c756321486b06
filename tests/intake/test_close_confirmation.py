"""Closing an inquiry is confirmed on a page of its own before anything is recorded."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake.models import Inquiry
from factories_intake import make_inquiry

pytestmark = pytest.mark.django_db


def _close(inquiry: Inquiry) -> str:
    return reverse("intake:close", args=[inquiry.uuid])


def test_it_shows_the_reason_and_note_to_confirm_and_changes_nothing(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    response = as_user(unit.coordinator).post(
        _close(inquiry), {"reason": "referred_elsewhere", "note": "County clinic"}
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "intake/close_confirm.html"
    text = response.content.decode()
    assert "Referred elsewhere" in text and "County clinic" in text
    assert ">Close inquiry</button>" in text and "Go back" in text
    assert 'name="confirmed" value="yes"' in text
    assert reverse("intake:inquiry", args=[inquiry.uuid]) in text
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW
    assert not AuditEvent.objects.filter(event="inquiry.closed").exists()


def test_it_closes_once_confirmed_with_what_the_page_carried(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    client = as_user(unit.coordinator)
    page = client.post(_close(inquiry), {"reason": "declined", "note": "Not now"})
    carried = {
        "reason": page.context["form"].cleaned_data["reason"],
        "note": page.context["form"].cleaned_data["note"],
        "confirmed": "yes",
    }
    response = client.post(_close(inquiry), carried)
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.closed_reason, inquiry.closed_note) == (
        Inquiry.Status.CLOSED,
        "declined",
        "Not now",
    )
    assert AuditEvent.objects.filter(event="inquiry.closed").count() == 1


def test_it_names_the_missing_reason_before_asking_to_confirm(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    response = as_user(unit.coordinator).post(_close(inquiry), {"note": "x"})
    assert response.status_code == 400
    assert "reason" in response.context["close_form"].errors
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW


def test_it_refuses_the_confirmation_to_outsiders_and_other_roles(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    data = {"reason": "declined", "note": ""}
    assert as_user(unit.outsider).post(_close(inquiry), data).status_code == 404
    assert as_user(unit.counselor).post(_close(inquiry), data).status_code == 403
    confirmed = {**data, "confirmed": "yes"}
    assert as_user(unit.counselor).post(_close(inquiry), confirmed).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW


def test_it_does_not_close_on_a_get(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    assert as_user(unit.coordinator).get(_close(inquiry)).status_code == 405


def test_it_labels_the_first_button_as_a_review_step(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    page = as_user(unit.coordinator).get(reverse("intake:inquiry", args=[inquiry.uuid]))
    assert "Review and close" in page.content.decode()


def test_it_gives_every_field_on_the_inquiry_page_its_own_id(unit, as_user) -> None:
    inquiry = make_inquiry(unit.ward)
    text = as_user(unit.coordinator).get(reverse("intake:inquiry", args=[inquiry.uuid]))
    ids = Counter(re.findall(r'\sid="([^"]+)"', text.content.decode()))
    assert [name for name, count in ids.items() if count > 1] == []
