from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import Membership, Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.staff import actions
from detoxdesk.staff.versions import fingerprint
from factories import make_facility
from factories_staff import make_outside_admin

pytestmark = pytest.mark.django_db


def role_url(unit, person, facility=None):
    return reverse("staff:change_role", args=[person.uuid, (facility or unit.ward).uuid])


def test_an_administrator_changes_a_role_with_the_version_read(unit, as_user):
    client = as_user(unit.admin)
    page = client.get(role_url(unit, unit.nurse))
    assert page.status_code == 200
    version = page.context["form"]["version"].value()
    response = client.post(
        role_url(unit, unit.nurse), {"role": Role.PRESCRIBER, "version": version}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=unit.nurse).role == Role.PRESCRIBER
    event = AuditEvent.objects.get(event="staff.role_changed")
    assert event.changes == {"role": ["nurse", "prescriber"]}
    assert event.facility == unit.ward


def test_a_stale_role_edit_is_refused_and_shows_the_other_change(unit, as_user):
    read_at = fingerprint(Role.NURSE)
    membership = Membership.objects.get(user=unit.nurse)
    actions.do_change_role(membership, acting_user=unit.admin, role=Role.COUNSELOR, version=read_at)
    response = as_user(unit.admin).post(
        role_url(unit, unit.nurse), {"role": Role.PRESCRIBER, "version": read_at}
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Someone else changed" in errors and "Counselor" in errors
    assert Membership.objects.get(user=unit.nurse).role == Role.COUNSELOR
    assert AuditEvent.objects.filter(event="staff.role_changed").count() == 1


def test_an_administrator_assigns_a_role_at_another_of_their_facilities(unit, as_user):
    second = make_facility(unit.program, name="Ward C")
    Membership.objects.create(user=unit.admin, facility=second, role=Role.ADMINISTRATOR)
    response = as_user(unit.admin).post(
        reverse("staff:assign_role", args=[unit.nurse.uuid]),
        {"facility": second.pk, "role": Role.NURSE},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=unit.nurse, facility=second, role=Role.NURSE).exists()
    assert AuditEvent.objects.get(event="staff.role_assigned").facility == second


def test_a_second_role_at_the_same_facility_is_refused(unit, as_user):
    response = as_user(unit.admin).post(
        reverse("staff:assign_role", args=[unit.nurse.uuid]),
        {"facility": unit.ward.pk, "role": Role.PRESCRIBER},
    )
    assert response.status_code == 400
    assert "facility" in response.context["form"].errors
    with pytest.raises(ValidationError, match="already has a role"):
        actions.do_assign_role(
            unit.nurse, acting_user=unit.admin, facility=unit.ward, role=Role.PRESCRIBER
        )
    assert Membership.objects.get(user=unit.nurse).role == Role.NURSE


def test_a_role_at_a_facility_the_administrator_does_not_run_is_refused(unit, as_user):
    response = as_user(unit.admin).post(
        reverse("staff:assign_role", args=[unit.nurse.uuid]),
        {"facility": unit.other.pk, "role": Role.NURSE},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=unit.nurse, facility=unit.other).exists()


def test_removing_a_role_asks_first_and_then_removes_it(unit, as_user):
    Membership.objects.create(user=unit.nurse, facility=unit.other, role=Role.NURSE)
    Membership.objects.create(user=unit.admin, facility=unit.other, role=Role.ADMINISTRATOR)
    client = as_user(unit.admin)
    url = reverse("staff:remove_role", args=[unit.nurse.uuid, unit.other.uuid])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Remove the role" in page.content
    assert Membership.objects.filter(user=unit.nurse, facility=unit.other).exists()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(user=unit.nurse, facility=unit.other).exists()
    assert AuditEvent.objects.get(event="staff.role_removed").changes == {"role": "nurse"}


def test_the_last_role_is_kept_and_the_page_says_why(unit, as_user):
    url = reverse("staff:remove_role", args=[unit.nurse.uuid, unit.ward.uuid])
    response = as_user(unit.admin).post(url)
    assert response.status_code == 400
    assert b"only role" in response.content
    assert Membership.objects.filter(user=unit.nurse).exists()


def test_an_administrator_cannot_change_their_own_role(unit):
    membership = Membership.objects.get(user=unit.admin)
    with pytest.raises(ValidationError, match="your own account"):
        actions.do_change_role(
            membership,
            acting_user=unit.admin,
            role=Role.NURSE,
            version=fingerprint("administrator"),
        )


@pytest.mark.parametrize("persona", ["nurse", "director", "auditor", "outsider"])
def test_only_administrators_change_roles(unit, persona):
    membership = Membership.objects.get(user=unit.counselor)
    with pytest.raises(PermissionDenied):
        actions.do_change_role(
            membership,
            acting_user=getattr(unit, persona),
            role=Role.NURSE,
            version=fingerprint(Role.COUNSELOR),
        )


def test_the_new_role_takes_effect_on_the_next_request(unit, as_user):
    membership = Membership.objects.get(user=unit.counselor)
    actions.do_change_role(
        membership, acting_user=unit.admin, role=Role.AUDITOR, version=fingerprint(Role.COUNSELOR)
    )
    unit.counselor.refresh_from_db()
    assert not permissions.can(unit.counselor, permissions.CHART_VIEW)
    chart = reverse("patients:chart", args=[unit.patient.uuid])
    assert as_user(unit.counselor).get(chart).status_code == 404


def test_an_outside_administrator_cannot_touch_another_facility_role(unit, as_user):
    other_admin = make_outside_admin(unit)
    assert as_user(other_admin).get(role_url(unit, unit.nurse)).status_code == 404
