"""Converting an inquiry: every missing field is named on the first submit, and the hint agrees."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from detoxdesk.intake import actions
from detoxdesk.patients.models import Patient
from factories_intake import make_inquiry

pytestmark = pytest.mark.django_db


def _post(client, inquiry, **values):
    data = {"given_name": "Robin", "family_name": "Quinn", "sex_at_birth": "unknown", **values}
    return client.post(reverse("intake:convert", kwargs={"inquiry_uuid": inquiry.uuid}), data)


def _page(client, inquiry) -> str:
    page = client.get(reverse("intake:inquiry", kwargs={"inquiry_uuid": inquiry.uuid}))
    return page.content.decode()


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_it_names_the_date_of_birth_and_record_number_on_the_first_submit(unit, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=None)
    response = _post(as_user(unit.coordinator), inquiry, record_number="", date_of_birth="")
    errors = response.context["convert_form"].errors
    assert response.status_code == 400
    assert set(errors) == {"record_number", "date_of_birth"}
    assert Patient.objects.count() == 1


def test_it_marks_required_fields_visibly_and_for_assistive_technology(unit, as_user):
    html = _page(as_user(unit.coordinator), make_inquiry(unit.ward))
    for name in ("record_number", "given_name", "family_name", "date_of_birth"):
        assert " required" in _input(html, name), name
    assert " required" not in _input(html, "phone")
    assert html.count('class="required-mark"') >= 4
    assert 'for="id_date_of_birth">Date of birth</label> <span class="required-mark"' in html


def test_it_hints_at_a_typed_record_number_when_the_program_types_them(unit, as_user):
    html = _page(as_user(unit.coordinator), make_inquiry(unit.ward))
    assert "type the patient&#x27;s number" in html
    assert "Leave empty" not in html


def test_it_lets_a_generating_program_leave_the_number_empty(unit, as_user):
    actions.do_change_intake_settings(
        unit.program,
        acting_user=unit.director,
        values={"record_numbers": "generated", "record_number_prefix": "HX-"},
    )
    client = as_user(unit.coordinator)
    inquiry = make_inquiry(unit.ward)
    html = _page(client, inquiry)
    assert "Leave empty to give the next generated number." in html
    assert " required" not in _input(html, "record_number")
    response = _post(client, inquiry, record_number="", date_of_birth="1988-02-03")
    assert response.status_code == 302
    assert Patient.objects.filter(record_number="HX-000001").exists()
