"""``access.configured_program``: the one lookup of the program a director configures."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from detoxdesk.accounts.models import Role
from detoxdesk.patients import access
from factories import Unit, make_facility, make_program, make_user


def test_a_director_gets_their_program(unit: Unit) -> None:
    assert access.configured_program(unit.director) == unit.program


def test_a_director_elsewhere_gets_their_own_program(unit: Unit) -> None:
    other = make_program(name="Other Program")
    director = make_user(Role.DIRECTOR, make_facility(other, name="Elsewhere"))
    assert access.configured_program(director) == other


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "admin", "auditor"])
def test_anyone_else_is_refused_with_the_message_given(unit: Unit, persona: str) -> None:
    with pytest.raises(PermissionDenied, match="^Only directors here.$"):
        access.configured_program(getattr(unit, persona), "Only directors here.")


@pytest.mark.parametrize(
    "url",
    ["patients:program_settings", "patients:go_live", "medications:settings", "aftercare:settings"],
)
def test_the_settings_pages_refuse_a_nurse(unit: Unit, as_user, url: str) -> None:
    assert as_user(unit.nurse).get(reverse(url)).status_code == 403
    assert as_user(unit.director).get(reverse(url)).status_code == 200
