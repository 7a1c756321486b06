from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from factories_intake import make_inquiry

pytestmark = pytest.mark.django_db


def test_it_redirects_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("intake:queue"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_it_refuses_roles_that_do_not_manage_inquiries(unit, as_user):
    assert as_user(unit.counselor).get(reverse("intake:queue")).status_code == 403


def test_it_orders_by_urgency_then_age_and_shows_the_wait(unit, as_user):
    now = timezone.now()
    routine_old = make_inquiry(unit.ward, now=now - timedelta(days=3), phone="555-0001")
    routine_new = make_inquiry(unit.ward, now=now - timedelta(hours=1), phone="555-0002")
    urgent = make_inquiry(
        unit.ward, now=now - timedelta(hours=2), overdose_now=True, phone="555-0003"
    )
    priority = make_inquiry(
        unit.ward, now=now - timedelta(hours=5), substances=["alcohol"], phone="555-0004"
    )
    with time_machine.travel(now, tick=False):
        response = as_user(unit.coordinator).get(reverse("intake:queue"))
    assert list(response.context["page"].object_list) == [
        urgent,
        priority,
        routine_old,
        routine_new,
    ]
    assert "3\xa0days" in response.content.decode()
    assert AuditEvent.objects.filter(event="inquiry.queue_viewed", actor=unit.coordinator).exists()


def test_it_shows_only_inquiries_at_the_users_facilities(unit, as_user):
    make_inquiry(unit.other, given_name="Elsewhere")
    mine = make_inquiry(unit.ward, given_name="Here", phone="555-0101")
    response = as_user(unit.coordinator).get(reverse("intake:queue"))
    assert list(response.context["page"].object_list) == [mine]


def test_it_searches_by_name_phone_or_email(unit, as_user):
    make_inquiry(unit.ward, given_name="Kim", phone="555-0200")
    wanted = make_inquiry(unit.ward, given_name="Lee", phone="555-0300")
    client = as_user(unit.coordinator)
    assert list(client.get(reverse("intake:queue"), {"q": "Lee"}).context["page"].object_list) == [
        wanted
    ]
    assert list(client.get(reverse("intake:queue"), {"q": "0300"}).context["page"].object_list) == [
        wanted
    ]


def test_it_paginates_with_a_fixed_number_of_queries(unit, as_user, django_assert_max_num_queries):
    for n in range(30):
        make_inquiry(unit.ward, phone=f"555-1{n:03d}")
    client = as_user(unit.coordinator)
    # +2: the audit event locks and moves the chain head (detoxdesk.audit.log.record).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("intake:queue"))
    assert len(response.context["page"].object_list) == 25
    assert "Page 1 of 2" in response.content.decode()
