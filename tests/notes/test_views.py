"""The notes pages: access per persona, writing and signing with re-authentication, addenda,
co-signing, the golden thread, group notes, templates and settings, prints and query pins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.auth import REAUTH_SESSION_KEY
from detoxdesk.audit.models import AuditEvent
from detoxdesk.notes.models import Addendum, Cosignature, Note, NoteSettings, NoteTemplate
from factories import PASSWORD, make_episode
from factories_notes import make_note, make_plan


def _when(minutes_ago: int = 10) -> str:
    return timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def _forget_reauth(client):
    session = client.session
    session.pop(REAUTH_SESSION_KEY, None)
    session.save()


# Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("nurse", 200),
        ("prescriber", 200),
        ("counselor", 200),
        ("director", 200),
        ("auditor", 404),
        ("coordinator", 404),
        ("outsider", 404),
    ],
)
def test_the_notes_of_an_episode_per_persona(unit, as_user, role, status):
    note = make_note(unit.episode, unit.nurse, sign=True)
    client = as_user(getattr(unit, role))
    assert client.get(reverse("notes:list", args=[unit.episode.uuid])).status_code == status
    assert client.get(reverse("notes:note", args=[note.uuid])).status_code == status
    assert client.get(reverse("notes:print", args=[note.uuid])).status_code == status


@pytest.mark.parametrize(
    "role,status",
    [("nurse", 200), ("counselor", 200), ("director", 403), ("auditor", 404)],
)
def test_writing_a_note_per_persona(unit, as_user, role, status):
    url = reverse("notes:new", args=[unit.episode.uuid, "soap"])
    assert as_user(getattr(unit, role)).get(url).status_code == status


def test_viewing_notes_is_audited(unit, as_user):
    note = make_note(unit.episode, unit.nurse, sign=True)
    client = as_user(unit.prescriber)
    client.get(reverse("notes:note", args=[note.uuid]))
    client.get(reverse("notes:print", args=[note.uuid]))
    events = AuditEvent.objects.filter(event="note.viewed", actor=unit.prescriber)
    assert events.count() == 2 and all(e.patient_id == unit.patient.pk for e in events)


# Writing, signing, addenda --------------------------------------------------------------------


def test_a_nurse_writes_and_signs_a_note(unit, as_user):
    client = as_user(unit.nurse)
    url = reverse("notes:new", args=[unit.episode.uuid, "nursing_shift"])
    response = client.post(url, {"event_at": _when(), "s_condition": "Calm.", "goal": ""})
    note = Note.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{note.uuid}/")
    page = client.get(reverse("notes:note", args=[note.uuid])).content.decode()
    assert "Sign note" in page and "Draft, not signed" in page
    response = client.post(reverse("notes:sign", args=[note.uuid]), {"read_version": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "signed"
    page = client.get(reverse("notes:note", args=[note.uuid])).content.decode()
    assert "Sign note" not in page and "Add an addendum" in page and "Edit draft" not in page


def test_bad_input_names_the_field_and_saves_nothing(unit, as_user):
    client = as_user(unit.nurse)
    url = reverse("notes:new", args=[unit.episode.uuid, "dap"])
    response = client.post(url, {"event_at": "", "s_data": "x"})
    assert "event_at" in response.context["form"].errors
    response = client.post(url, {"event_at": _when(), "s_data": ""})
    assert "s_data" in response.context["form"].errors
    assert "Nothing was saved" in response.content.decode()
    assert not Note.objects.exists()


def test_signing_asks_for_the_password_again_when_not_recent(unit, as_user):
    note = make_note(unit.episode, unit.nurse)
    client = as_user(unit.nurse)
    _forget_reauth(client)
    page = client.get(reverse("notes:note", args=[note.uuid]))
    assert "reauth_secret" in page.context["sign_form"].fields
    refused = client.post(
        reverse("notes:sign", args=[note.uuid]), {"read_version": "1", "reauth_secret": "wrong"}
    )
    assert refused.status_code == 400 and "reauth_secret" in refused.context["sign_form"].errors
    note.refresh_from_db()
    assert note.status == "draft"
    signed = client.post(
        reverse("notes:sign", args=[note.uuid]), {"read_version": "1", "reauth_secret": PASSWORD}
    )
    assert signed.status_code == 302
    note.refresh_from_db()
    assert note.status == "signed"


def test_signing_a_draft_changed_since_it_was_read_is_refused(unit, as_user):
    from detoxdesk.notes import actions

    note = make_note(unit.episode, unit.nurse)
    actions.do_edit_note(
        note, acting_user=unit.nurse, values={"data": "Newer"}, event_at=note.event_at
    )
    response = as_user(unit.nurse).post(
        reverse("notes:sign", args=[note.uuid]), {"read_version": "1"}
    )
    assert response.status_code == 400 and "saved again" in response.content.decode()
    note.refresh_from_db()
    assert note.status == "draft"


def test_the_edit_form_shows_the_draft_again_when_it_moved_on(unit, as_user):
    from detoxdesk.notes import actions

    note = make_note(unit.episode, unit.nurse)
    actions.do_edit_note(
        note, acting_user=unit.nurse, values={"data": "Theirs"}, event_at=note.event_at
    )
    response = as_user(unit.nurse).post(
        reverse("notes:edit", args=[note.uuid]),
        {"event_at": _when(), "s_data": "Mine", "read_version": "1"},
    )
    assert response.status_code == 200 and "Theirs" in response.content.decode()
    note.refresh_from_db()
    assert note.sections[0]["text"] == "Theirs" and note.version == 2


def test_a_signed_note_cannot_be_edited_through_the_page(unit, as_user):
    note = make_note(unit.episode, unit.nurse, sign=True)
    assert as_user(unit.nurse).get(reverse("notes:edit", args=[note.uuid])).status_code == 403


def test_an_addendum_shows_beneath_the_note_and_on_its_print(unit, as_user):
    note = make_note(unit.episode, unit.nurse, sign=True)
    client = as_user(unit.prescriber)
    response = client.post(reverse("notes:addendum", args=[note.uuid]), {"text": "BP 150/95."})
    assert response.status_code == 302 and Addendum.objects.count() == 1
    for name in ("notes:note", "notes:print"):
        body = client.get(reverse(name, args=[note.uuid])).content.decode()
        assert "BP 150/95." in body and "Addendum signed" in body
    empty = client.post(reverse("notes:addendum", args=[note.uuid]), {"text": ""})
    assert empty.status_code == 400 and Addendum.objects.count() == 1


def test_the_goal_choice_lists_the_plan_goals_and_the_golden_thread_shows_them(unit, as_user):
    make_plan(unit.episode, unit.counselor)
    client = as_user(unit.counselor)
    url = reverse("notes:new", args=[unit.episode.uuid, "birp"])
    assert "Name a support person" in client.get(url).content.decode()
    client.post(
        url, {"event_at": _when(), "s_behavior": "Engaged.", "goal": "Name a support person"}
    )
    body = client.get(reverse("notes:thread", args=[unit.episode.uuid])).content.decode()
    assert "BIRP note" in body and body.count("No note addresses this goal yet.") == 2


def test_the_group_page_drafts_a_note_per_chosen_attendee(unit, as_user):
    other = make_episode(unit.ward)
    make_episode(unit.ward)  # present, not chosen
    client = as_user(unit.counselor)
    url = reverse("notes:group", args=[unit.ward.uuid])
    assert other.patient.family_name in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "topic": "Coping with cravings",
            "event_at": _when(60),
            "summary": "Urge surfing.",
            "attendee": [str(unit.episode.uuid), str(other.uuid)],
            f"participation-{other.uuid}": "Shared a story.",
        },
    )
    assert response.status_code == 302
    assert Note.objects.filter(group_session__topic="Coping with cravings").count() == 2
    mine = client.get(reverse("notes:mine")).content.decode()
    assert mine.count("Coping with cravings") == 2
    assert as_user(unit.outsider).get(url).status_code == 404


# Co-signing -----------------------------------------------------------------------------------


def test_the_cosign_worklist_and_cosigning(unit, as_user):
    from detoxdesk.accounts.models import Role

    NoteSettings.objects.create(program=unit.program, cosign_roles=[Role.COUNSELOR])
    note = make_note(unit.episode, unit.counselor, sign=True)
    client = as_user(unit.prescriber)
    listed = client.get(reverse("notes:cosign_list"))
    assert listed.status_code == 200 and note in listed.context["page"].object_list
    response = client.post(reverse("notes:cosign", args=[note.uuid]))
    assert response.status_code == 302 and Cosignature.objects.filter(note=note).exists()
    assert note not in client.get(reverse("notes:cosign_list")).context["page"].object_list
    assert as_user(unit.nurse).get(reverse("notes:cosign_list")).status_code == 403
    assert as_user(unit.nurse).post(reverse("notes:cosign", args=[note.uuid])).status_code == 403


# Templates and settings -----------------------------------------------------------------------


def test_a_director_edits_a_template_and_new_notes_use_it(unit, as_user):
    old = make_note(unit.episode, unit.nurse, key="soap", subjective="Tired.")
    client = as_user(unit.director)
    url = reverse("notes:template", args=["soap"])
    form = client.get(url)
    assert form.context["form"].initial["read_version"] == 0
    response = client.post(
        url, {"name": "SOAP (unit)", "sections": "Subjective\nObjective\nRisk", "read_version": 0}
    )
    assert response.status_code == 302
    row = NoteTemplate.objects.get(key="soap")
    assert row.version == 1 and [s["label"] for s in row.sections][-1] == "Risk"
    nurse = as_user(unit.nurse)
    new_form = nurse.get(reverse("notes:new", args=[unit.episode.uuid, "soap"]))
    assert "Risk" in new_form.content.decode() and "SOAP (unit)" in new_form.content.decode()
    old.refresh_from_db()
    assert [s["label"] for s in old.sections] == ["Subjective", "Objective", "Assessment", "Plan"]
    assert AuditEvent.objects.filter(event="note.template_changed").count() == 1


def test_a_template_edit_from_an_old_form_is_refused(unit, as_user):
    client = as_user(unit.director)
    url = reverse("notes:template", args=["dap"])
    client.post(url, {"name": "DAP", "sections": "Data\nPlan", "read_version": 0})
    stale = client.post(url, {"name": "DAP 2", "sections": "Data", "read_version": 0})
    assert stale.status_code == 200 and "Someone else changed" in stale.content.decode()
    assert NoteTemplate.objects.get(key="dap").name == "DAP"


def test_bad_template_input_is_refused_naming_the_field(unit, as_user):
    client = as_user(unit.director)
    url = reverse("notes:template", args=["dap"])
    response = client.post(url, {"name": "DAP", "sections": "Data\nData", "read_version": 0})
    assert "sections" in response.context["form"].errors
    assert not NoteTemplate.objects.exists()


def test_deactivating_a_template_asks_for_confirmation(unit, as_user):
    client = as_user(unit.director)
    url = reverse("notes:template_active", args=["birp"])
    unconfirmed = client.post(url, {"read_version": 0})
    assert "confirm" in unconfirmed.context["form"].errors
    assert not NoteTemplate.objects.exists()
    assert client.post(url, {"read_version": 0, "confirm": "on"}).status_code == 302
    assert NoteTemplate.objects.get(key="birp").active is False
    nurse = as_user(unit.nurse)
    assert nurse.get(reverse("notes:new", args=[unit.episode.uuid, "birp"])).status_code == 404
    client = as_user(unit.director)
    assert client.post(url, {"read_version": 1}).status_code == 302  # back in use, no confirm
    assert NoteTemplate.objects.get(key="birp").active is True


@pytest.mark.parametrize("role", ["nurse", "prescriber", "auditor"])
def test_only_directors_change_templates_and_settings(unit, as_user, role):
    client = as_user(getattr(unit, role))
    assert client.get(reverse("notes:templates")).status_code == 403
    assert client.get(reverse("notes:settings")).status_code == 403
    response = client.post(reverse("notes:template", args=["dap"]), {"name": "x", "sections": "y"})
    assert response.status_code == 403 and not NoteTemplate.objects.exists()


def test_the_cosign_setting_with_a_version_check(unit, as_user):
    client = as_user(unit.director)
    url = reverse("notes:settings")
    assert client.post(url, {"cosign_roles": ["counselor"], "read_version": 0}).status_code == 302
    stale = client.post(url, {"cosign_roles": ["nurse"], "read_version": 0})
    assert "Someone else changed" in stale.content.decode()
    assert NoteSettings.objects.get().cosign_roles == ["counselor"]


# The chart and the lists cost the same at any size ------------------------------------------


@pytest.mark.parametrize("size", [2, 40])
def test_the_notes_list_costs_the_same_with_2_or_40_notes(
    unit, as_user, size, django_assert_num_queries
):
    for n in range(size):
        make_note(unit.episode, unit.nurse, sign=n % 2 == 0, data=f"Note {n}")
    client = as_user(unit.nurse)
    client.get(reverse("notes:mine"))
    with django_assert_num_queries(12):
        response = client.get(reverse("notes:list", args=[unit.episode.uuid]))
    assert len(response.context["page"].object_list) == min(size, 20)


@pytest.mark.parametrize("size", [2, 40])
def test_the_cosign_worklist_costs_the_same_with_2_or_40_notes(
    unit, as_user, size, django_assert_num_queries
):
    from detoxdesk.accounts.models import Role

    NoteSettings.objects.create(program=unit.program, cosign_roles=[Role.NURSE])
    for n in range(size):
        make_note(make_episode(unit.ward), unit.nurse, sign=True, data=f"Note {n}")
    client = as_user(unit.prescriber)
    client.get(reverse("notes:mine"))
    with django_assert_num_queries(10):
        response = client.get(reverse("notes:cosign_list"))
    assert len(response.context["page"].object_list) == min(size, 20)


@pytest.mark.parametrize("size", [2, 40])
def test_the_chart_notes_panel_costs_the_same_with_2_or_40_notes(
    unit, as_user, size, django_assert_num_queries
):
    for n in range(size):
        make_note(unit.episode, unit.nurse, sign=True, data=f"Note {n}")
    client = as_user(unit.nurse)
    client.get(reverse("notes:mine"))
    chart = reverse("patients:chart", args=[unit.patient.uuid])
    client.get(chart)
    with django_assert_num_queries(37):  # the whole chart: tests/board/test_query_pins.py
        response = client.get(chart)
    panel = response.context["panels"]["notes"]
    assert len(panel["notes"]) == min(size, 5) and "Nursing shift note" in response.content.decode()


def test_under_an_emergency_grant_a_note_is_read_not_written(unit, as_user):
    from factories_staff import grant

    note = make_note(unit.episode, unit.nurse, sign=True)
    client = as_user(unit.outsider)
    assert client.get(reverse("notes:note", args=[note.uuid])).status_code == 404
    grant(unit.outsider, unit.patient)
    page = client.get(reverse("notes:note", args=[note.uuid]))
    assert page.status_code == 200 and "addendum_form" not in page.context
    response = client.post(reverse("notes:addendum", args=[note.uuid]), {"text": "x"})
    assert response.status_code == 403 and not Addendum.objects.exists()


@pytest.mark.parametrize("size", [2, 30])
def test_drafts_and_the_golden_thread_cost_the_same_at_any_size(
    unit, as_user, size, django_assert_num_queries
):
    make_plan(unit.episode, unit.counselor)
    for n in range(size):
        make_note(unit.episode, unit.counselor, data=f"{n}", goal="Name a support person")
    client = as_user(unit.counselor)
    client.get(reverse("notes:mine"))
    with django_assert_num_queries(10):
        drafts = client.get(reverse("notes:mine"))
    assert len(drafts.context["page"].object_list) == min(size, 20)
    with django_assert_num_queries(11):
        thread = client.get(reverse("notes:thread", args=[unit.episode.uuid]))
    assert len(thread.context["threads"][2].notes) == size


@pytest.mark.parametrize("size", [2, 30])
def test_the_amendment_lists_cost_the_same_at_any_size(
    unit, as_user, size, django_assert_num_queries
):
    from detoxdesk.notes import actions
    from factories_portal import make_portal_user

    portal = make_portal_user(unit.patient)
    note = make_note(unit.episode, unit.nurse, sign=True)
    for n in range(size):
        request = actions.do_request_amendment(
            unit.patient, acting_user=portal, note=note, record="", correction=f"Fix {n}"
        )
        if n % 2:
            actions.do_accept_amendment(request, acting_user=unit.director, text=f"Fixed {n}")
    client = as_user(unit.director)
    client.get(reverse("notes:mine"))
    with django_assert_num_queries(10):
        worklist = client.get(reverse("notes:amendments"))
    assert len(worklist.context["page"].object_list) == min(size, 20)
    patient = as_user(portal)
    patient.get(reverse("notes:my_amendments"))
    with django_assert_num_queries(12):
        mine = patient.get(reverse("notes:my_amendments"))
    assert mine.content.decode().count("You asked:") == size
