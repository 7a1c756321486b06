from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients import actions
from detoxdesk.patients.allergies import allergy_codes
from detoxdesk.patients.models import Allergy


def page(unit):
    return reverse("patients:allergies", args=[unit.patient.uuid])


def chart(unit):
    return reverse("patients:chart", args=[unit.patient.uuid])


def record(unit, code="", other="", **extra):
    values = {"substance": code, "other_substance": other, **extra}
    return actions.do_record_allergy(unit.patient, acting_user=unit.nurse, values=values)


def post_allergy(client, unit, **data):
    form = {"severity": "unknown", "reported_by": "", "reaction": "", "note": "", **data}
    return client.post(page(unit), form)


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["nurse", "prescriber"])
def test_it_lets_clinicians_who_evaluate_record_allergies(unit, as_user, persona):
    response = as_user(getattr(unit, persona)).get(page(unit))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(event="allergies.viewed", patient=unit.patient).exists()


@pytest.mark.parametrize("persona", ["counselor", "director"])
def test_it_refuses_read_only_roles(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert client.get(page(unit)).status_code == 403
    assert post_allergy(client, unit, substance="naloxone").status_code == 403
    assert not Allergy.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "auditor", "admin", "coordinator"])
def test_it_hides_the_page_from_people_without_chart_access(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert client.get(page(unit)).status_code == 404
    assert post_allergy(client, unit, substance="naloxone").status_code == 404
    entry = record(unit, "naloxone")
    edit = reverse("patients:edit_allergy", args=[entry.uuid])
    assert client.get(edit).status_code == 404
    assert not AuditEvent.objects.filter(event="allergies.viewed").exists()


# --- Recording --------------------------------------------------------------------------------


def test_it_records_an_allergy_from_the_ingredient_list(unit, as_user):
    response = post_allergy(
        as_user(unit.nurse), unit, substance="naloxone", reaction="hives", reported_by="patient"
    )
    assert response.status_code == 302
    entry = Allergy.objects.get()
    assert (entry.substance, entry.reaction, entry.recorded_by) == ("naloxone", "hives", unit.nurse)
    assert allergy_codes(unit.patient) == ("naloxone",)
    event = AuditEvent.objects.get(event="allergy.recorded")
    assert event.patient == unit.patient and event.actor == unit.nurse


def test_it_keeps_an_other_substance_as_text_that_matches_no_product(unit, as_user):
    client = as_user(unit.nurse)
    post_allergy(client, unit, substance="other", other_substance="Latex", reaction="rash")
    assert Allergy.objects.get().other_substance == "Latex"
    assert allergy_codes(unit.patient) == ()
    body = client.get(page(unit)).content.decode()
    assert "matches no medicine" in body
    assert "Latex" in client.get(chart(unit)).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"substance": ""}, "substance", "This field is required."),
        ({"substance": "other"}, "other_substance", "Type the name of the other substance."),
        ({"substance": "naloxone", "other_substance": "Latex"}, "other_substance", "Leave this"),
        ({"substance": "unobtainium"}, "substance", "Select a valid choice."),
        ({"substance": "naloxone", "severity": "deadly"}, "severity", "Select a valid choice."),
    ],
)
def test_it_saves_nothing_from_bad_input(unit, as_user, data, field, message):
    response = post_allergy(as_user(unit.nurse), unit, **data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Allergy.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="allergy.").exists()


def test_the_action_refuses_a_substance_outside_the_list(unit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        record(unit, "unobtainium")
    with pytest.raises(ValidationError):
        record(unit, "naloxone", "Latex")
    assert not Allergy.objects.exists()


# --- Unknown, none known, recorded ----------------------------------------------------------------


def test_it_shows_not_asked_as_unknown_never_as_none(unit, as_user):
    body = as_user(unit.counselor).get(chart(unit)).content.decode()
    assert "unknown (not asked)" in body
    assert "none" not in body.split("Allergies:")[1].split("</p>")[0]


def test_it_records_no_known_allergies_as_a_dated_statement(unit, as_user):
    client = as_user(unit.nurse)
    url = reverse("patients:no_known_allergies", args=[unit.patient.uuid])
    client.post(url, {})  # without the confirmation nothing is stated
    unit.patient.refresh_from_db()
    assert unit.patient.no_known_allergies_at is None
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    unit.patient.refresh_from_db()
    assert unit.patient.no_known_allergies_by == unit.nurse
    body = client.get(chart(unit)).content.decode()
    assert "none known (stated" in body and "Test nurse" in body
    assert AuditEvent.objects.filter(event="allergy.no_known_stated").count() == 1


def test_recording_an_allergy_clears_a_no_known_allergies_statement(unit):
    actions.do_state_no_known_allergies(unit.patient, acting_user=unit.nurse)
    record(unit, "ondansetron")
    unit.patient.refresh_from_db()
    assert unit.patient.no_known_allergies_at is None
    assert AuditEvent.objects.filter(event="allergy.no_known_cleared").count() == 1


def test_stating_no_known_allergies_removes_the_entries_with_a_reason(unit):
    entry = record(unit, "ondansetron")
    actions.do_state_no_known_allergies(unit.patient, acting_user=unit.nurse)
    entry.refresh_from_db()
    assert entry.removed_at is not None and "no known allergies" in entry.removed_reason
    assert allergy_codes(unit.patient) == ()
    assert AuditEvent.objects.filter(event="allergy.removed").count() == 1


# --- Editing and removing ------------------------------------------------------------------------


def edit_data(entry, **changes):
    data = {
        "version": entry.version,
        "substance": entry.substance or "other",
        "other_substance": entry.other_substance,
        "reaction": entry.reaction,
        "severity": entry.severity,
        "reported_by": entry.reported_by,
        "note": entry.note,
    }
    return {**data, **changes}


def test_it_edits_an_allergy_and_audits_the_change(unit, as_user):
    entry = record(unit, "ondansetron")
    url = reverse("patients:edit_allergy", args=[entry.uuid])
    response = as_user(unit.prescriber).post(url, edit_data(entry, severity="severe"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.severity, entry.version) == ("severe", 2)
    event = AuditEvent.objects.get(event="allergy.updated")
    assert event.changes == {"severity": ["unknown", "severe"]}


def test_it_refuses_a_stale_edit_and_shows_the_other_change(unit, as_user):
    entry = record(unit, "ondansetron")
    stale = edit_data(entry, reaction="itch")
    actions.do_update_allergy(
        entry,
        acting_user=unit.prescriber,
        values={**edit_data(entry, substance="ondansetron"), "reaction": "wheeze"},
        expected_version=1,
    )
    url = reverse("patients:edit_allergy", args=[entry.uuid])
    response = as_user(unit.nurse).post(url, stale)
    assert response.status_code == 400
    body = response.content.decode()
    assert "your changes were not saved" in body
    assert "Test prescriber" in body and "wheeze" in body
    entry.refresh_from_db()
    assert entry.reaction == "wheeze"


def test_it_removes_an_entry_only_with_a_reason(unit, as_user):
    entry = record(unit, "ondansetron")
    client = as_user(unit.nurse)
    url = reverse("patients:remove_allergy", args=[entry.uuid])
    assert client.post(url, {"reason": ""}).status_code == 400
    entry.refresh_from_db()
    assert entry.removed_at is None
    assert client.post(url, {"reason": "Entered in error"}).status_code == 302
    entry.refresh_from_db()
    assert entry.removed_reason == "Entered in error"
    assert allergy_codes(unit.patient) == ()
    assert "unknown (not asked)" in client.get(chart(unit)).content.decode()


def test_allergy_codes_lists_each_current_coded_substance_once(unit):
    record(unit, "naloxone")
    record(unit, "", "Latex")
    record(unit, "ondansetron")
    record(unit, "naloxone")
    gone = record(unit, "lorazepam")
    actions.do_remove_allergy(gone, acting_user=unit.nurse, reason="error")
    assert allergy_codes(unit.patient) == ("naloxone", "ondansetron")


# --- The chart header ---------------------------------------------------------------------------


def test_the_chart_header_shows_each_allergy(unit, as_user):
    record(unit, "naloxone", reaction="hives", severity="severe")
    body = as_user(unit.counselor).get(chart(unit)).content.decode()
    header = body.split("Allergies:")[1].split("</p>")[0]
    assert "Naloxone (hives) — severe" in header
    assert "Record or change allergies" not in header  # a counselor reads only


def test_the_chart_header_query_count_does_not_grow_with_allergies(unit, as_user):
    client = as_user(unit.nurse)
    record(unit, "naloxone")
    client.get(chart(unit))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(chart(unit))
    for code in ("ondansetron", "lorazepam", "clonidine", "diazepam"):
        record(unit, code)
    with CaptureQueriesContext(connection) as five:
        body = client.get(chart(unit)).content.decode()
    assert "Diazepam" in body
    assert len(five) == len(one)
