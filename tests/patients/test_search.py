"""Finding a patient: by name, record number or date of birth, discharged ones too, a page at a
time, only at the reader's facilities, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.models import Episode, Patient
from factories import make_episode, make_patient, make_user

SEARCH = reverse("patients:search")


@pytest.fixture
def returning(unit):
    """A patient discharged last month from the ward, with no active episode."""
    patient = make_patient(
        unit.program,
        given_name="Rosa",
        family_name="Delgado",
        preferred_name="Ro",
        record_number="MRN-RD-7",
        date_of_birth=date(1979, 6, 5),
    )
    make_episode(
        unit.ward,
        patient,
        admitted_at=timezone.now() - timedelta(days=40),
        status=Episode.Status.DISCHARGED,
        discharged_at=timezone.now() - timedelta(days=33),
    )
    return patient


def _names(response) -> list[str]:
    return [p.family_name for p in response.context["patients"]]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "delg"},
        {"q": "ROSA delgado"},
        {"q": "Delgado, Rosa"},
        {"q": "Ro"},
        {"q": "mrn-rd-7"},
        {"born": "1979-06-05"},
        {"q": "rosa", "born": "1979-06-05"},
    ],
)
def test_it_finds_a_discharged_patient(unit, returning, as_user, params):
    response = as_user(unit.nurse).get(SEARCH, params)
    assert response.status_code == 200
    assert _names(response) == ["Delgado"]
    page = response.content.decode()
    assert "(discharged)" in page and reverse("patients:chart", args=[returning.uuid]) in page


@pytest.mark.parametrize(
    "params", [{"q": "MRN-RD"}, {"q": "rosa", "born": "1979-06-06"}, {"q": "zzz"}]
)
def test_it_does_not_match_part_of_a_record_number_or_another_birthday(
    unit, returning, as_user, params
):
    response = as_user(unit.nurse).get(SEARCH, params)
    assert _names(response) == []
    assert "No patient of your facilities matches." in response.content.decode()


def test_it_lists_every_episode_of_a_readmitted_patient(unit, returning, as_user):
    make_episode(unit.ward, returning)
    response = as_user(unit.nurse).get(SEARCH, {"q": "Delgado"})
    (patient,) = response.context["patients"]
    assert [e.status for e in patient.visible_episodes] == ["active", "discharged"]


def test_an_outsider_finds_nobody_of_another_facility(unit, returning, as_user):
    assert _names(as_user(unit.outsider).get(SEARCH, {"q": "Delgado"})) == []


def test_it_shows_only_the_readers_facilities_episodes(unit, returning, as_user):
    make_episode(unit.other, returning)
    ward_nurse = as_user(unit.nurse).get(SEARCH, {"q": "Delgado"})
    (patient,) = ward_nurse.context["patients"]
    assert {e.facility_id for e in patient.visible_episodes} == {unit.ward.pk}


def test_it_finds_a_patient_registered_but_not_admitted(unit, as_user):
    Patient.objects.create(
        program=unit.program,
        record_number="REG-1",
        given_name="Nia",
        family_name="Okafor",
        date_of_birth=date(2000, 1, 2),
        registered_at=unit.ward,
    )
    response = as_user(unit.coordinator).get(SEARCH, {"q": "okafor"})
    assert response.status_code == 403  # no chart access: the search is not theirs either
    response = as_user(unit.nurse).get(SEARCH, {"q": "okafor"})
    assert _names(response) == ["Okafor"]
    assert "Registered, not admitted yet" in response.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "admin", "coordinator"])
def test_roles_without_charts_are_refused(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(SEARCH, {"q": "x"}).status_code == 403


def test_an_empty_search_asks_for_something_and_audits_nothing(unit, as_user):
    response = as_user(unit.nurse).get(SEARCH)
    assert response.status_code == 200
    assert "Type a name or record number" in response.content.decode()
    assert not AuditEvent.objects.filter(event="patients.searched").exists()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "a"}, "q", "Type at least two letters"),
        ({"born": "5 June"}, "born", "Enter a valid date"),
    ],
)
def test_bad_input_names_the_field(unit, as_user, params, field, message):
    response = as_user(unit.nurse).get(SEARCH, params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not AuditEvent.objects.filter(event="patients.searched").exists()


def test_it_audits_the_search_and_each_patient_listed(unit, returning, as_user):
    as_user(unit.nurse).get(SEARCH, {"q": "Delgado"})
    (searched,) = AuditEvent.objects.filter(event="patients.searched")
    assert searched.actor == unit.nurse
    assert searched.changes == {"by": ["name_or_number"], "page": 1, "results": 1}
    assert "Delgado" not in str(searched.changes)  # the words searched are not kept
    (listed,) = AuditEvent.objects.filter(event="patient.found_in_search")
    assert listed.patient == returning


def test_it_pages_the_results(unit, as_user, settings):
    settings.PATIENT_SEARCH_PAGE_SIZE = 5
    for n in range(7):
        make_episode(unit.ward, make_patient(unit.program, family_name=f"Lee{n}"))
    client = as_user(unit.nurse)
    first = client.get(SEARCH, {"q": "lee"})
    assert _names(first) == [f"Lee{n}" for n in range(5)] and first.context["has_next"]
    second = client.get(SEARCH, {"q": "lee", "page": "2"})
    assert _names(second) == ["Lee5", "Lee6"] and not second.context["has_next"]
    assert "?q=lee&amp;page=1" in second.content.decode()


SEARCH_QUERIES = 9


@pytest.mark.parametrize("size", [5, 25])
def test_a_page_costs_the_same_with_5_or_25_patients(
    unit, as_user, size, django_assert_num_queries
):
    for n in range(size):
        patient = make_patient(unit.program, family_name=f"Kim{n:02d}")
        make_episode(
            unit.ward,
            patient,
            admitted_at=timezone.now() - timedelta(days=30),
            status=Episode.Status.DISCHARGED,
            discharged_at=timezone.now() - timedelta(days=25),
        )
        make_episode(unit.ward, patient)
    client = as_user(unit.nurse)
    client.get(SEARCH)
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH, {"q": "kim"})
    assert len(response.context["patients"]) == size
    assert all(len(p.visible_episodes) == 2 for p in response.context["patients"])


def test_a_director_of_two_facilities_sees_both(unit, as_user):
    make_episode(unit.other, make_patient(unit.program, family_name="Clinicone"))
    make_episode(unit.ward, make_patient(unit.program, family_name="Clinictwo"))
    assert _names(as_user(unit.director).get(SEARCH, {"q": "clinic"})) == [
        "Clinicone",
        "Clinictwo",
    ]


def test_a_counselor_may_search(unit, returning, as_user):
    assert _names(as_user(unit.counselor).get(SEARCH, {"q": "Delgado"})) == ["Delgado"]


def test_a_nurse_of_another_program_finds_nobody(unit, returning, as_user):
    from factories import make_facility

    stranger = make_user(Role.NURSE, make_facility())
    assert _names(as_user(stranger).get(SEARCH, {"q": "Delgado"})) == []


def test_the_census_points_a_fruitless_search_to_every_patient(unit, returning, as_user):
    page = as_user(unit.nurse).get(reverse("patients:census"), {"q": "Delgado"})
    assert f'href="{SEARCH}?q=Delgado"' in page.content.decode()


def test_the_census_offers_no_search_to_a_role_without_charts(unit, returning, as_user):
    page = as_user(unit.coordinator).get(reverse("patients:census"), {"q": "Delgado"})
    assert SEARCH not in page.content.decode()
