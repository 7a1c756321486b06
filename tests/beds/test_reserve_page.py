"""A coordinator reserves a bed from the intake queue; admitting the person uses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.beds.models import Reservation
from detoxdesk.intake.actions import settings_for
from factories import make_patient
from factories_beds import make_bed, reserve
from factories_intake import make_inquiry, make_signed_evaluation

QUEUE = reverse("intake:queue")


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def inquiry(unit):
    return make_inquiry(unit.ward)


def test_the_queue_offers_a_bed_and_then_shows_the_one_held(unit, inquiry, as_user):
    bed = make_bed(unit.ward, "B02")
    client = as_user(unit.coordinator)
    url = reverse("beds:reserve", args=[inquiry.uuid])
    assert f'href="{url}">Reserve bed' in client.get(QUEUE).content.decode()
    page = client.get(url)
    assert list(page.context["beds"]) == [bed]  # B01 is occupied
    assert "The program has not set how long a bed stays held" in page.content.decode()
    until = timezone.now() + timedelta(hours=5)
    response = client.post(url, {"bed": bed.pk, "expires_at": _local(until), "note": "arrives 6pm"})
    assert response.status_code == 302
    held = Reservation.objects.get()
    assert (held.bed, held.inquiry, held.reserved_by, held.note) == (
        bed,
        inquiry,
        unit.coordinator,
        "arrives 6pm",
    )
    queue = client.get(QUEUE).content.decode()
    assert f'href="{url}">Bed B02</a>' in queue


def test_the_programs_hold_fills_in_the_expiry(unit, inquiry, as_user):
    make_bed(unit.ward, "B02")
    settings = settings_for(unit.program)
    settings.bed_hold_hours = 6
    settings.save()
    page = as_user(unit.coordinator).get(reverse("beds:reserve", args=[inquiry.uuid]))
    expected = _local(timezone.now() + timedelta(hours=6))
    assert page.context["form"].initial["expires_at"] == expected


def test_a_missing_expiry_or_a_taken_bed_saves_nothing_and_says_why(unit, inquiry, as_user):
    bed = make_bed(unit.ward, "B02")
    client = as_user(unit.coordinator)
    url = reverse("beds:reserve", args=[inquiry.uuid])
    missing = client.post(url, {"bed": bed.pk, "expires_at": ""})
    assert missing.status_code == 400
    assert missing.context["form"].errors == {"expires_at": ["This field is required."]}
    reserve(bed, unit.nurse)
    taken = client.post(
        url, {"bed": bed.pk, "expires_at": _local(timezone.now() + timedelta(hours=2))}
    )
    assert taken.status_code == 400
    assert Reservation.objects.count() == 1


def test_roles_outside_intake_cannot_reserve(unit, inquiry, as_user):
    url = reverse("beds:reserve", args=[inquiry.uuid])
    assert as_user(unit.counselor).get(url).status_code in (403, 404)
    assert as_user(unit.prescriber).get(url).status_code in (403, 404)
    assert as_user(unit.outsider).get(url).status_code == 404


def test_admission_chooses_the_reserved_bed_and_hides_one_held_for_someone_else(
    unit, inquiry, as_user
):
    patient = make_patient(unit.program, registered_at=unit.ward)
    inquiry.patient = patient
    inquiry.save(update_fields=["patient"])
    mine, theirs, free = (make_bed(unit.ward, label) for label in ("B02", "B03", "B04"))
    reserve(mine, unit.coordinator, inquiry=inquiry)
    reserve(theirs, unit.coordinator)
    evaluation = make_signed_evaluation(patient, unit.ward, unit.prescriber)
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    client = as_user(unit.coordinator)
    page = client.get(url)
    form = page.context["form"]
    assert list(form.fields["bed"].queryset) == [mine, free]
    assert form.initial["bed"] == mine.pk
    assert "Bed B02 at Ward A is reserved for this patient" in page.content.decode()
    response = client.post(
        url, {"facility": unit.ward.pk, "bed": mine.pk, "admitted_at": _local(timezone.now())}
    )
    assert response.status_code == 302
    held = Reservation.objects.get(bed=mine)
    assert held.end == Reservation.End.ADMITTED and held.episode.patient == patient
