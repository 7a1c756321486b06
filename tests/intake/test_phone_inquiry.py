"""Staff take down an inquiry while someone phones the program."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.intake.models import Inquiry
from factories_intake import INQUIRY_VALUES, make_inquiry, phone_inquiry_post

pytestmark = pytest.mark.django_db

NEW = "/intake/new/"


def test_it_lives_at_the_documented_address() -> None:
    assert reverse("intake:new") == NEW


def test_it_sends_anonymous_visitors_to_sign_in(client) -> None:
    response = client.get(NEW)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_it_refuses_a_counselor(unit, as_user) -> None:
    assert as_user(unit.counselor).get(NEW).status_code == 403
    post = as_user(unit.counselor).post(NEW, phone_inquiry_post(unit.ward))
    assert post.status_code == 403 and not Inquiry.objects.exists()


def test_it_shows_the_coordinator_the_safety_questions_first_and_what_to_read_out(
    unit, as_user
) -> None:
    response = as_user(unit.coordinator).get(NEW)
    assert response.status_code == 200
    text = response.content.decode()
    safety = text.index("overdosing or unresponsive right now")
    assert safety < text.index("Who needs help")
    assert "read this out now" in text and "Call 911 now" in text and "988" in text
    assert "website" not in response.context["form"].fields


def test_it_offers_only_the_facilities_where_the_user_manages_inquiries(unit, as_user) -> None:
    form = as_user(unit.coordinator).get(NEW).context["form"]
    assert list(form.fields["facility"].queryset) == [unit.ward]
    response = as_user(unit.coordinator).post(NEW, phone_inquiry_post(unit.other))
    assert response.status_code == 400 and "facility" in response.context["form"].errors
    assert not Inquiry.objects.exists()


def test_it_saves_a_phoned_in_inquiry_and_audits_who_took_it(unit, as_user) -> None:
    response = as_user(unit.coordinator).post(NEW, phone_inquiry_post(unit.ward))
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:inquiry", args=[inquiry.uuid])
    assert inquiry.source == Inquiry.Source.PHONE and inquiry.facility == unit.ward
    assert inquiry.urgency == Inquiry.Urgency.ROUTINE
    event = AuditEvent.objects.get(event="inquiry.phoned_in")
    assert event.actor == unit.coordinator and event.object_id == str(inquiry.uuid)


@pytest.mark.parametrize(
    ("overrides", "urgency"),
    [
        ({"overdose_now": "yes"}, Inquiry.Urgency.URGENT),
        ({"thinking_of_suicide": "yes"}, Inquiry.Urgency.URGENT),
        ({"substances": ["fentanyl"]}, Inquiry.Urgency.PRIORITY),
        ({"substances": ["cannabis"]}, Inquiry.Urgency.ROUTINE),
    ],
)
def test_it_sets_urgency_by_the_public_rule(unit, as_user, overrides, urgency) -> None:
    as_user(unit.coordinator).post(NEW, phone_inquiry_post(unit.ward, **overrides))
    assert Inquiry.objects.get().urgency == urgency


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"overdose_now": ""}, "overdose_now"),
        ({"contact_method": "email", "email": ""}, "email"),
        ({"last_use": "2999-01-01"}, "last_use"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_it_names_the_field_and_saves_nothing_on_bad_input(unit, as_user, overrides, field) -> None:
    response = as_user(unit.coordinator).post(NEW, phone_inquiry_post(unit.ward, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Inquiry.objects.exists()
    assert not AuditEvent.objects.filter(event="inquiry.phoned_in").exists()


def test_it_links_a_call_from_someone_who_already_asked_online(unit, as_user) -> None:
    earlier = make_inquiry(unit.ward, phone="(555) 0100")
    as_user(unit.coordinator).post(NEW, phone_inquiry_post(unit.ward, phone="555-0100"))
    taken = Inquiry.objects.get(source=Inquiry.Source.PHONE)
    assert taken.duplicate_of == earlier
    event = AuditEvent.objects.get(event="inquiry.phoned_in")
    assert event.changes["duplicate_of"] == str(earlier.uuid)


def test_it_refuses_the_action_to_a_role_without_the_capability(unit) -> None:
    values = {**INQUIRY_VALUES}
    with pytest.raises(PermissionDenied):
        actions.do_take_phone_inquiry(unit.ward, acting_user=unit.counselor, values=values)
    assert not Inquiry.objects.exists()


def test_it_offers_a_new_inquiry_button_on_the_queue(unit, as_user) -> None:
    text = as_user(unit.coordinator).get(reverse("intake:queue")).content.decode()
    assert f'href="{NEW}"' in text and "New inquiry" in text
