"""The emergency disclosure form and the director's worklist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.disclosures.models import Disclosure

pytestmark = pytest.mark.django_db

FORM = {
    "information": "chart",
    "personnel": "Dr Ana Ruiz",
    "personnel_facility": "St Mary Emergency Department",
    "nature": "Seizure in the lobby; the emergency team needs the medication list.",
    "confirm": "on",
}


def test_a_nurse_records_it_and_the_director_reviews_it(as_user, unit) -> None:
    url = reverse("disclosures:emergency", args=[unit.patient.uuid])
    response = as_user(unit.nurse).post(url, FORM)
    disclosure = Disclosure.objects.get()
    assert response.status_code == 302
    assert disclosure.legal_basis == Disclosure.LegalBasis.MEDICAL_EMERGENCY
    director = as_user(unit.director)
    worklist = director.get(reverse("disclosures:emergencies")).content.decode()
    assert "Dr Ana Ruiz" in worklist and "Seizure in the lobby" in worklist
    accounting = director.get(reverse("disclosures:accounting", args=[unit.patient.uuid]))
    assert "Medical emergency: Seizure in the lobby" in accounting.content.decode()
    director.post(reverse("disclosures:review", args=[disclosure.uuid]))
    worklist = director.get(reverse("disclosures:emergencies")).content.decode()
    assert "No emergency disclosure is waiting for review." in worklist


@pytest.mark.parametrize("missing", ["personnel", "personnel_facility", "nature", "confirm"])
def test_every_mandatory_field_is_asked(as_user, unit, missing) -> None:
    url = reverse("disclosures:emergency", args=[unit.patient.uuid])
    data = {k: v for k, v in FORM.items() if k != missing}
    response = as_user(unit.nurse).post(url, data)
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    assert not Disclosure.objects.exists()


def test_only_the_director_sees_the_worklist(as_user, unit) -> None:
    for person in (unit.nurse, unit.auditor, unit.outsider):
        assert as_user(person).get(reverse("disclosures:emergencies")).status_code == 403


WORKLIST_QUERIES = 10


@pytest.mark.parametrize("count", [1, 9])
def test_the_worklist_reads_the_same_queries_at_any_size(
    as_user, unit, django_assert_num_queries, count
) -> None:
    url = reverse("disclosures:emergency", args=[unit.patient.uuid])
    nurse = as_user(unit.nurse)
    for _ in range(count):
        nurse.post(url, FORM)
    director = as_user(unit.director)
    director.get(reverse("disclosures:emergencies"))
    with django_assert_num_queries(WORKLIST_QUERIES):
        page = director.get(reverse("disclosures:emergencies")).content.decode()
    assert page.count("Mark reviewed") == count
