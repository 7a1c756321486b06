"""Level-of-care settings: the ASAM edition staff see first and reports use, and the medical
director's confirmation of the 3rd-to-4th-edition mapping (SPEC A11), both version-checked."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import asam4
from detoxdesk.intake import actions
from detoxdesk.intake.models import IntakeSettings, PlacementSettings
from factories import make_patient
from factories_intake import make_evaluation

pytestmark = pytest.mark.django_db

URL = reverse("intake:placement_settings")
GO_LIVE = reverse("patients:go_live")
MAPPING_ROW = (
    "ASAM 4th edition: the mapping from 3rd-edition levels, confirmed by the medical director"
)
MINOR_ROW = "A minor's consent: the state rule that lets a minor consent without a guardian"
CONFIRMED = {"1-WM": "1.7", "2-WM": "2.7", "3.2-WM": "3.5", "3.7-WM": "3.7", "4-WM": "4.0"}


def _confirm_data(version=1, **overrides):
    data = {"confirm_mapping": "1", "version": version, "confirm": "on"}
    data.update({f"map_{level}": code for level, code in CONFIRMED.items()})
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "status"), [("director", 200), ("nurse", 403), ("prescriber", 403)]
)
def test_only_the_director_opens_the_settings(unit, as_user, persona, status):
    assert as_user(getattr(unit, persona)).get(URL).status_code == status


def test_the_shipped_table_is_shown_unconfirmed(unit, as_user):
    body = html.unescape(as_user(unit.director).get(URL).content.decode())
    assert "Not confirmed." in body
    assert "no direct match" in body


def test_the_director_chooses_the_editions(unit, as_user):
    response = as_user(unit.director).post(
        URL, {"version": 1, "edition_shown": "4", "edition_reports": "3"}
    )
    assert response.status_code == 302
    chosen = PlacementSettings.objects.get(program=unit.program)
    assert (chosen.edition_shown, chosen.edition_reports, chosen.version) == ("4", "3", 2)
    event = AuditEvent.objects.get(event="placement.editions_changed")
    assert event.changes == {"edition_shown": ["3", "4"]}


def test_a_stale_edit_of_the_editions_is_refused(unit, as_user):
    actions.do_change_editions(
        unit.program, acting_user=unit.director, shown="4", reports="4", expected_version=1
    )
    response = as_user(unit.director).post(
        URL, {"version": 1, "edition_shown": "3", "edition_reports": "3"}
    )
    assert response.status_code == 400
    assert "Someone else changed" in html.unescape(response.content.decode())
    chosen = PlacementSettings.objects.get(program=unit.program)
    assert (chosen.edition_shown, chosen.edition_reports, chosen.version) == ("4", "4", 2)


def test_the_director_confirms_the_mapping(unit, as_user):
    response = as_user(unit.director).post(URL, _confirm_data())
    assert response.status_code == 302
    chosen = PlacementSettings.objects.get(program=unit.program)
    assert actions.confirmed_fourth_mapping(chosen) == CONFIRMED
    assert chosen.confirmed_by == unit.director
    assert chosen.fourth_mapping_version == asam4.table_version()
    event = AuditEvent.objects.get(event="placement.fourth_mapping_confirmed")
    assert event.changes["mapping"] == [None, CONFIRMED]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"confirm": ""}, "confirm"),
        ({"map_3.2-WM": ""}, "map_3.2-WM"),
        ({"map_4-WM": "3.7"}, "map_4-WM"),
    ],
)
def test_an_incomplete_confirmation_saves_nothing(unit, as_user, overrides, field):
    data = {k: v for k, v in _confirm_data(**overrides).items() if v != ""}
    response = as_user(unit.director).post(URL, data)
    assert response.status_code == 400
    assert field in response.context["confirm_form"].errors
    assert not PlacementSettings.objects.filter(fourth_mapping_version__isnull=False).exists()


def test_a_confirmation_of_an_older_table_no_longer_counts(unit):
    chosen = PlacementSettings.objects.create(
        program=unit.program, fourth_mapping=CONFIRMED, fourth_mapping_version=0
    )
    assert actions.confirmed_fourth_mapping(chosen) is None


def test_a_non_director_cannot_confirm(unit):
    with pytest.raises(Exception, match="director"):
        actions.do_confirm_fourth_mapping(
            unit.program, acting_user=unit.prescriber, mapping=CONFIRMED, expected_version=1
        )


def test_an_unknown_edition_is_refused_naming_the_field(unit):
    with pytest.raises(ValidationError) as caught:
        actions.do_change_editions(
            unit.program, acting_user=unit.director, shown="5", reports="3", expected_version=1
        )
    assert list(caught.value.message_dict) == ["edition_shown"]


# --- The evaluation shows the edition chosen ------------------------------------------------------


def _evaluation_page(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_evaluation(patient, unit.ward, unit.nurse, complete=True)
    url = reverse("intake:evaluation", kwargs={"evaluation_uuid": evaluation.uuid})
    return evaluation, html.unescape(as_user(unit.nurse).get(url).content.decode())


def test_the_evaluation_shows_the_4th_edition_level_unconfirmed_by_default(unit, as_user):
    evaluation, body = _evaluation_page(unit, as_user)
    assert evaluation.recommended_level == "1-WM"
    assert 'ASAM 4th edition: <span class="level">1.7</span>' in body
    assert "unconfirmed mapping" in body
    assert "<strong>4. Readiness to change</strong>" in body  # the 3rd edition's names


def test_the_evaluation_follows_the_edition_shown_and_the_confirmed_table(unit, as_user):
    actions.do_change_editions(
        unit.program, acting_user=unit.director, shown="4", reports="3", expected_version=1
    )
    actions.do_confirm_fourth_mapping(
        unit.program, acting_user=unit.director, mapping=CONFIRMED, expected_version=2
    )
    _evaluation, body = _evaluation_page(unit, as_user)
    assert "mapping confirmed by the medical director" in body
    assert "<strong>4. Substance use-related risks</strong>" in body
    assert "<strong>4. Readiness to change</strong>" not in body
    assert body.index("ASAM 4th edition") < body.index("ASAM 3rd edition (the decision)")


# --- The go-live list -----------------------------------------------------------------------------


def test_go_live_lists_the_mapping_and_the_minor_rule_until_they_are_set(unit, as_user):
    names = {i.name for i in as_user(unit.director).get(GO_LIVE).context["items"]}
    assert {MAPPING_ROW, MINOR_ROW} <= names
    actions.do_confirm_fourth_mapping(
        unit.program, acting_user=unit.director, mapping=CONFIRMED, expected_version=1
    )
    IntakeSettings.objects.create(
        program=unit.program, minor_consent_from_age=14, minor_consent_rule="State Code 1"
    )
    names = {i.name for i in as_user(unit.director).get(GO_LIVE).context["items"]}
    assert not {MAPPING_ROW, MINOR_ROW} & names
