from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.models import Bed, Facility
from detoxdesk.staff import actions
from detoxdesk.staff.models import BedStatus, Unit
from factories import make_episode
from factories_staff import invite, make_outside_admin

pytestmark = pytest.mark.django_db


def facility_url(facility):
    return reverse("staff:facility", args=[facility.uuid])


def test_an_administrator_creates_a_facility_and_runs_it(unit, as_user):
    client = as_user(unit.admin)
    assert client.get(reverse("staff:facility_new")).status_code == 200
    response = client.post(
        reverse("staff:facility_new"),
        {"name": "Ward D", "kind": "inpatient", "program": unit.program.pk},
    )
    assert response.status_code == 302
    ward = Facility.objects.get(name="Ward D")
    assert Membership.objects.get(facility=ward).user == unit.admin
    assert AuditEvent.objects.get(event="facility.created").changes["name"] == "Ward D"
    assert client.get(facility_url(ward)).status_code == 200


def test_a_duplicate_facility_name_is_refused(unit, as_user):
    response = as_user(unit.admin).post(
        reverse("staff:facility_new"),
        {"name": "ward a", "kind": "inpatient", "program": unit.program.pk},
    )
    assert response.status_code == 400
    assert "already has a facility" in " ".join(response.context["form"].errors["name"])


def test_renaming_checks_the_version(unit, as_user):
    client = as_user(unit.admin)
    version = client.get(facility_url(unit.ward)).context["form"]["version"].value()
    actions.do_update_facility(
        unit.ward, acting_user=unit.admin, version=version, name="Ward A North", kind="inpatient"
    )
    stale = client.post(
        facility_url(unit.ward), {"name": "Ward Alpha", "kind": "inpatient", "version": version}
    )
    assert stale.status_code == 400
    assert "Ward A North" in " ".join(stale.context["form"].non_field_errors())
    unit.ward.refresh_from_db()
    assert unit.ward.name == "Ward A North"
    fresh = client.get(facility_url(unit.ward)).context["form"]["version"].value()
    saved = client.post(
        facility_url(unit.ward), {"name": "Ward Alpha", "kind": "inpatient", "version": fresh}
    )
    assert saved.status_code == 302
    unit.ward.refresh_from_db()
    assert unit.ward.name == "Ward Alpha"
    assert AuditEvent.objects.filter(event="facility.updated").count() == 2


def test_deactivating_a_facility_stops_invitations_and_new_beds(unit, as_user):
    client = as_user(unit.admin)
    url = reverse("staff:facility_action", args=[unit.ward.uuid, "deactivate"])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not actions.facility_is_active(unit.ward)
    with pytest.raises(ValidationError, match="deactivated"):
        invite(unit)
    response = client.post(reverse("staff:bed_new", args=[unit.ward.uuid]), {"label": "B09"})
    assert response.status_code == 400
    assert not Bed.objects.filter(label="B09").exists()
    reactivate = reverse("staff:facility_action", args=[unit.ward.uuid, "reactivate"])
    assert client.post(reactivate).status_code == 302
    assert actions.facility_is_active(unit.ward)
    events = AuditEvent.objects.filter(event__startswith="facility.").values_list(
        "event", flat=True
    )
    assert set(events) == {"facility.deactivated", "facility.reactivated"}


def test_a_facility_with_history_is_never_deleted(unit, as_user):
    response = as_user(unit.admin).post(
        reverse("staff:facility_action", args=[unit.ward.uuid, "delete"])
    )
    assert response.status_code == 400
    assert b"Deactivate" in response.content or b"deactivate" in response.content
    assert Facility.objects.filter(pk=unit.ward.pk).exists()


def test_a_facility_with_patients_is_refused_even_without_staff_or_beds(unit):
    empty = actions.do_create_facility(
        unit.program, acting_user=unit.admin, name="Annex", kind="outpatient"
    )
    make_episode(empty)
    admin = User.objects.get(pk=unit.admin.pk)  # a new request: its roles read afresh
    with pytest.raises(ValidationError, match="has history"):
        actions.do_delete_facility(empty, acting_user=admin)
    assert Facility.objects.filter(pk=empty.pk).exists()


def test_an_unused_facility_can_be_deleted(unit, as_user):
    empty = actions.do_create_facility(
        unit.program, acting_user=unit.admin, name="Annex", kind="outpatient"
    )
    response = as_user(unit.admin).post(
        reverse("staff:facility_action", args=[empty.uuid, "delete"])
    )
    assert response.status_code == 302
    assert not Facility.objects.filter(pk=empty.pk).exists()
    assert AuditEvent.objects.filter(event="facility.deleted").count() == 1


def test_units_are_created_renamed_and_switched_off(unit, as_user):
    client = as_user(unit.admin)
    response = client.post(reverse("staff:unit_new", args=[unit.ward.uuid]), {"name": "North"})
    assert response.status_code == 302
    north = Unit.objects.get(name="North")
    url = reverse("staff:unit", args=[north.uuid])
    version = client.get(url).context["form"]["version"].value()
    response = client.post(url, {"name": "North wing", "version": version})  # "active" unticked
    assert response.status_code == 302
    north.refresh_from_db()
    assert (north.name, north.active) == ("North wing", False)
    stale = client.post(url, {"name": "N", "active": "on", "version": version})
    assert stale.status_code == 400
    assert [e.event for e in AuditEvent.objects.filter(event__startswith="unit.")] == [
        "unit.updated",
        "unit.created",
    ]


def test_a_duplicate_unit_names_the_field(unit, as_user):
    Unit.objects.create(facility=unit.ward, name="North")
    response = as_user(unit.admin).post(
        reverse("staff:unit_new", args=[unit.ward.uuid]), {"name": "north"}
    )
    assert response.status_code == 400
    assert "already has a unit" in " ".join(response.context["unit_form"].errors["name"])


def test_beds_are_created_in_a_unit_and_taken_out_of_service(unit, as_user):
    client = as_user(unit.admin)
    north = Unit.objects.create(facility=unit.ward, name="North")
    created = client.post(
        reverse("staff:bed_new", args=[unit.ward.uuid]), {"label": "B02", "unit": north.pk}
    )
    assert created.status_code == 302
    bed = Bed.objects.get(facility=unit.ward, label="B02")
    assert BedStatus.objects.get(bed=bed).unit == north
    url = reverse("staff:bed", args=[unit.ward.uuid, "B02"])
    version = client.get(url).context["form"]["version"].value()
    missing_reason = client.post(url, {"label": "B02", "unit": north.pk, "version": version})
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.context["form"].errors
    saved = client.post(
        url, {"label": "B02", "unit": north.pk, "reason": "Window repair", "version": version}
    )
    assert saved.status_code == 302
    status = BedStatus.objects.get(bed=bed)
    assert (status.in_service, status.out_of_service_reason) == (False, "Window repair")
    event = AuditEvent.objects.get(event="bed.updated")
    assert event.changes == {"in_service": [True, False], "reason": ["", "Window repair"]}


def test_an_occupied_bed_stays_in_service(unit, as_user):
    client = as_user(unit.admin)
    url = reverse("staff:bed", args=[unit.ward.uuid, unit.bed.label])
    version = client.get(url).context["form"]["version"].value()
    response = client.post(url, {"label": "B01", "reason": "Leak", "version": version})
    assert response.status_code == 400
    assert "A patient is in this bed" in " ".join(response.context["form"].errors["in_service"])
    assert not BedStatus.objects.filter(bed=unit.bed).exists()


def test_a_stale_bed_edit_is_refused(unit, as_user):
    client = as_user(unit.admin)
    url = reverse("staff:bed", args=[unit.ward.uuid, unit.bed.label])
    version = client.get(url).context["form"]["version"].value()
    actions.do_update_bed(
        unit.bed, acting_user=unit.admin, version=version, label="B01A", unit=None, in_service=True
    )
    response = client.post(
        reverse("staff:bed", args=[unit.ward.uuid, "B01A"]),
        {"label": "B01B", "in_service": "on", "version": version},
    )
    assert response.status_code == 400
    assert "B01A" in " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize("label", ["", "a/b", "x" * 33, "<b>"])
def test_a_bad_bed_label_names_the_field(unit, as_user, label):
    response = as_user(unit.admin).post(
        reverse("staff:bed_new", args=[unit.ward.uuid]), {"label": label}
    )
    assert response.status_code == 400
    assert "label" in response.context["bed_form"].errors


def test_a_bed_with_history_is_never_deleted(unit, as_user):
    url = reverse("staff:bed_delete", args=[unit.ward.uuid, unit.bed.label])
    client = as_user(unit.admin)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400
    assert b"has history" in response.content
    assert Bed.objects.filter(pk=unit.bed.pk).exists()


def test_an_unused_bed_can_be_deleted(unit, as_user):
    bed = actions.do_create_bed(unit.ward, acting_user=unit.admin, label="B99")
    response = as_user(unit.admin).post(
        reverse("staff:bed_delete", args=[unit.ward.uuid, bed.label])
    )
    assert response.status_code == 302
    assert not Bed.objects.filter(pk=bed.pk).exists()
    assert AuditEvent.objects.filter(event="bed.deleted").count() == 1


def test_a_unit_of_another_facility_is_refused_for_a_bed(unit):
    Membership.objects.create(user=unit.admin, facility=unit.other, role=Role.ADMINISTRATOR)
    elsewhere = Unit.objects.create(facility=unit.other, name="South")
    with pytest.raises(ValidationError, match="another facility"):
        actions.do_create_bed(unit.ward, acting_user=unit.admin, label="B03", unit=elsewhere)


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "director", "auditor", "outsider"])
def test_only_administrators_manage_facilities(unit, persona):
    with pytest.raises(PermissionDenied):
        actions.do_create_bed(unit.ward, acting_user=getattr(unit, persona), label="B07")
    with pytest.raises(PermissionDenied):
        actions.do_set_facility_active(unit.ward, acting_user=getattr(unit, persona), active=False)


def test_an_outside_administrator_sees_only_their_facilities(unit, as_user):
    client = as_user(make_outside_admin(unit))
    listing = client.get(reverse("staff:facilities"))
    assert [f.name for f in listing.context["page"].object_list] == ["Clinic B"]
    assert client.get(facility_url(unit.ward)).status_code == 404
    bed = reverse("staff:bed", args=[unit.ward.uuid, unit.bed.label])
    assert client.get(bed).status_code == 404


def test_the_facility_list_is_searchable(unit, as_user):
    Membership.objects.create(user=unit.admin, facility=unit.other, role=Role.ADMINISTRATOR)
    response = as_user(unit.admin).get(reverse("staff:facilities"), {"q": "clinic"})
    assert [f.name for f in response.context["page"].object_list] == ["Clinic B"]
