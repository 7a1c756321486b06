"""Amendment requests (ONC 170.315(d)(4)): asked in the portal, accepted with an addendum that
names the request or denied with a reason, a statement of disagreement, all audited and shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.notes import actions
from detoxdesk.notes.models import AmendmentRequest
from factories import make_episode
from factories_notes import make_note
from factories_portal import make_portal_user


@pytest.fixture
def portal(unit):
    return make_portal_user(unit.patient)


@pytest.fixture
def signed(unit):
    return make_note(unit.episode, unit.nurse, sign=True, data="Says she uses daily.")


def _request(unit, portal, note, correction="I said weekly, not daily."):
    return actions.do_request_amendment(
        unit.patient, acting_user=portal, note=note, record="", correction=correction
    )


def test_the_patient_asks_in_the_portal(unit, portal, signed, as_user):
    client = as_user(portal)
    form = client.get(reverse("notes:my_amendment_new"))
    assert form.status_code == 200 and "DAP note" in form.content.decode()
    response = client.post(
        reverse("notes:my_amendment_new"), {"note": str(signed.uuid), "correction": "Weekly."}
    )
    assert response.status_code == 302
    request = AmendmentRequest.objects.get()
    assert request.note == signed and request.facility == unit.ward
    assert AuditEvent.objects.filter(event="amendment.requested", patient=unit.patient).exists()


def test_a_request_without_note_or_record_or_text_is_refused_naming_the_field(
    unit, portal, as_user
):
    client = as_user(portal)
    response = client.post(reverse("notes:my_amendment_new"), {"correction": "Wrong."})
    assert response.status_code == 200
    assert "Choose a note, or say which record is wrong." in response.content.decode()
    response = client.post(reverse("notes:my_amendment_new"), {"record": "my allergies"})
    assert "correction" in response.context["form"].errors
    assert not AmendmentRequest.objects.exists()


def test_a_patient_cannot_ask_about_someone_elses_note(unit, portal):
    theirs = make_note(make_episode(unit.ward), unit.nurse, sign=True)
    with pytest.raises(ValidationError):
        _request(unit, portal, theirs)


def test_accepting_writes_an_addendum_that_names_the_request(unit, portal, signed):
    request = _request(unit, portal, signed)
    addendum = actions.do_accept_amendment(request, acting_user=unit.director, text="Uses weekly.")
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by == unit.director
    assert addendum.note == signed and addendum.amendment_request == request
    assert addendum.text.startswith("Amendment requested by the patient on 02 Mar 2026")
    assert AuditEvent.objects.filter(event="amendment.accepted").count() == 1
    assert AuditEvent.objects.filter(event="note.addendum_signed").count() == 1
    with pytest.raises(ValidationError):
        actions.do_deny_amendment(request, acting_user=unit.director, reason="Late")


def test_a_request_about_another_record_is_accepted_beneath_a_chosen_note(unit, portal, signed):
    request = actions.do_request_amendment(
        unit.patient, acting_user=portal, note=None, record="my address", correction="New one."
    )
    with pytest.raises(ValidationError) as caught:
        actions.do_accept_amendment(request, acting_user=unit.director, text="Address changed.")
    assert "note" in caught.value.message_dict
    actions.do_accept_amendment(request, acting_user=unit.director, text="x", note=signed)
    request.refresh_from_db()
    assert request.note == signed


def test_denial_needs_a_reason_and_the_patient_may_disagree_once(unit, portal, signed):
    request = _request(unit, portal, signed)
    with pytest.raises(ValidationError) as caught:
        actions.do_deny_amendment(request, acting_user=unit.director, reason=" ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):  # nothing to disagree with yet
        actions.do_file_disagreement(request, acting_user=portal, patient=unit.patient, text="No.")
    actions.do_deny_amendment(request, acting_user=unit.director, reason="The note is accurate.")
    actions.do_file_disagreement(
        request, acting_user=portal, patient=unit.patient, text="I disagree."
    )
    request.refresh_from_db()
    assert request.status == "denied" and request.disagreement == "I disagree."
    with pytest.raises(ValidationError):
        actions.do_file_disagreement(
            request, acting_user=portal, patient=unit.patient, text="Again."
        )
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"amendment.denied", "amendment.disagreement_filed"} <= events


@pytest.mark.parametrize("role", ["nurse", "counselor", "auditor", "outsider"])
def test_only_deciders_decide(unit, portal, signed, role):
    request = _request(unit, portal, signed)
    with pytest.raises(PermissionDenied):
        actions.do_deny_amendment(request, acting_user=getattr(unit, role), reason="x")


def test_everything_is_visible_to_the_patient_in_the_portal(unit, portal, signed, as_user):
    accepted = _request(unit, portal, signed, "First.")
    actions.do_accept_amendment(accepted, acting_user=unit.director, text="Corrected text.")
    denied = _request(unit, portal, signed, "Second.")
    actions.do_deny_amendment(denied, acting_user=unit.director, reason="It is right.")
    body = as_user(portal).get(reverse("notes:my_amendments")).content.decode()
    assert "Corrected text." in body and "It is right." in body
    assert "Attach my statement" in body
    response = as_user(portal).post(
        reverse("notes:my_disagreement", args=[denied.uuid]), {"disagreement": "I object."}
    )
    assert response.status_code == 302
    assert "I object." in as_user(portal).get(reverse("notes:my_amendments")).content.decode()


def test_a_patient_sees_only_their_own_requests(unit, portal, signed, as_user):
    other = make_episode(unit.ward)
    other_user = make_portal_user(other.patient)
    theirs = actions.do_request_amendment(
        other.patient, acting_user=other_user, note=None, record="x", correction="Private words."
    )
    client = as_user(portal)
    assert "Private words." not in client.get(reverse("notes:my_amendments")).content.decode()
    response = client.post(
        reverse("notes:my_disagreement", args=[theirs.uuid]), {"disagreement": "x"}
    )
    assert response.status_code == 404


def test_staff_are_refused_the_portal_pages(unit, as_user):
    assert as_user(unit.nurse).get(reverse("notes:my_amendments")).status_code == 403


def test_the_director_accepts_and_denies_on_the_request_page(unit, portal, signed, as_user):
    request = _request(unit, portal, signed)
    client = as_user(unit.director)
    worklist = client.get(reverse("notes:amendments"))
    assert worklist.status_code == 200 and "Waiting for a decision" in worklist.content.decode()
    page = client.get(reverse("notes:amendment", args=[request.uuid]))
    assert "I said weekly" in page.content.decode()
    refused = client.post(reverse("notes:deny", args=[request.uuid]), {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.context["deny_form"].errors
    done = client.post(reverse("notes:accept", args=[request.uuid]), {"text": "Weekly use."})
    assert done.status_code == 302
    note_page = client.get(reverse("notes:note", args=[signed.uuid])).content.decode()
    assert "Weekly use." in note_page and "amendment request of" in note_page


@pytest.mark.parametrize("role,status", [("nurse", 403), ("outsider", 404)])
def test_the_request_page_refuses_others(unit, portal, signed, as_user, role, status):
    request = _request(unit, portal, signed)
    client = as_user(getattr(unit, role))
    assert client.get(reverse("notes:amendment", args=[request.uuid])).status_code == status
    assert client.get(reverse("notes:amendments")).status_code == 403


def test_the_disagreement_shows_with_the_note_and_on_its_print(unit, portal, signed, as_user):
    request = _request(unit, portal, signed)
    actions.do_deny_amendment(request, acting_user=unit.director, reason="Accurate.")
    actions.do_file_disagreement(
        request, acting_user=portal, patient=unit.patient, text="It was weekly."
    )
    client = as_user(unit.nurse)
    for name in ("notes:note", "notes:print"):
        body = client.get(reverse(name, args=[signed.uuid])).content.decode()
        assert "statement of disagreement" in body and "It was weekly." in body
