from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Episode
from detoxdesk.portal.models import CravingRating
from factories import make_episode
from factories_portal import make_portal_user, sows_answers

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["portal:home", "portal:sows", "portal:craving", "portal:summary"]


@pytest.fixture
def patient_user(unit):
    return make_portal_user(unit.patient)


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


@pytest.mark.parametrize("name", PORTAL_PAGES)
@pytest.mark.parametrize("persona", ["nurse", "director", "outsider"])
def test_it_refuses_staff(unit, as_user, name, persona):
    assert as_user(getattr(unit, persona)).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_each_page_is_audited_with_the_patient_as_actor(unit, as_user, patient_user, name):
    response = as_user(patient_user).get(reverse(name))
    assert response.status_code == 200
    event = AuditEvent.objects.get(event="portal.viewed")
    assert (event.actor, event.patient) == (patient_user, unit.patient)
    assert b"Need help right now?" in response.content  # crisis numbers on every page


def test_home_shows_coping_advice_and_friendly_empty_sections(as_user, patient_user):
    response = as_user(patient_user).get(reverse("portal:home"))
    for text in (b"Drink water", b"Rest and sleep", b"Breathe and relax", b"Reach out"):
        assert text in response.content
    assert b"You have no medicine reduction plan right now." in response.content
    assert b"No appointments yet" in response.content


def test_a_patient_submits_sows_onto_their_active_episode(unit, as_user, patient_user):
    data = {k: str(v) for k, v in sows_answers(2).items()}
    response = as_user(patient_user).post(reverse("portal:sows"), data)
    assert response.status_code == 302
    a = Assessment.objects.get()
    assert (a.episode, a.scale, a.total, a.recorded_by) == (unit.episode, "sows", 32, patient_user)
    assert not a.on_behalf_of_patient
    assert AuditEvent.objects.get(event="portal.sows_submitted").actor == patient_user


def test_an_incomplete_sows_names_the_missing_question_and_saves_nothing(as_user, patient_user):
    data = {k: "1" for k in list(sows_answers())[1:]}
    response = as_user(patient_user).post(reverse("portal:sows"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["anxious"] == ["Please choose an answer."]
    assert Assessment.objects.count() == 0


def test_sows_needs_an_active_episode(unit, as_user, patient_user):
    Episode.objects.filter(pk=unit.episode.pk).update(status="discharged")
    data = {k: str(v) for k, v in sows_answers(1).items()}
    response = as_user(patient_user).post(reverse("portal:sows"), data)
    assert response.status_code == 200
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    ("rating", "saved"),
    [("0", True), ("10", True), ("11", False), ("-1", False), ("x", False), ("", False)],
)
def test_a_patient_rates_craving_from_0_to_10(unit, as_user, patient_user, rating, saved):
    response = as_user(patient_user).post(reverse("portal:craving"), {"rating": rating})
    assert CravingRating.objects.exists() is saved
    if saved:
        c = CravingRating.objects.get()
        assert (c.patient, c.episode, c.rating) == (unit.patient, unit.episode, int(rating))
        assert AuditEvent.objects.get(event="portal.craving_recorded").actor == patient_user
    else:
        assert response.status_code == 200 and response.context["form"].errors["rating"]


def test_the_chart_shows_the_craving_trend_to_staff(unit, as_user, patient_user):
    for rating in (7, 5, 3):
        as_user(patient_user).post(reverse("portal:craving"), {"rating": str(rating)})
    client = as_user(unit.nurse)
    response = client.get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert b"Latest craving: <strong>3/10</strong>" in response.content
    assert b"Craving ratings over time: 7 at" in response.content
    assert b"Invite to the portal" not in response.content  # already has an account


def test_the_chart_offers_an_invitation_to_inviting_roles_only(unit, as_user):
    url = reverse("patients:chart", args=[unit.patient.uuid])
    assert b"Invite to the portal" in as_user(unit.nurse).get(url).content
    assert b"Invite to the portal" not in as_user(unit.director).get(url).content


# --- isolation ---------------------------------------------------------------------------------


def test_a_patient_never_sees_another_patient(unit, as_user, patient_user):
    other = make_episode(unit.ward)
    make_portal_user(other.patient)
    CravingRating.objects.create(
        patient=other.patient, rating=9, recorded_at=other.admitted_at, recorded_by=patient_user
    )
    client = as_user(patient_user)
    for url in (
        reverse("patients:chart", args=[other.patient.uuid]),
        reverse("patients:chart", args=[unit.patient.uuid]),
        reverse("monitoring:record_assessment", args=[other.uuid, "sows"]),
        reverse("portal:invite", args=[other.patient.uuid]),
        reverse("directory:list"),
    ):
        assert client.get(url).status_code in (403, 404), url
    home = client.get(reverse("portal:home"))
    assert other.patient.family_name.encode() not in home.content
    assert b"9 (" not in home.content
    census = client.get(reverse("patients:census"))
    assert census.status_code == 403


def test_the_chart_panel_reads_little(unit, patient_user, django_assert_num_queries):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from detoxdesk.portal.panels import chart_panel

    for rating in range(20):
        CravingRating.objects.create(
            patient=unit.patient,
            rating=rating % 11,
            recorded_at=unit.episode.admitted_at,
            recorded_by=patient_user,
        )
    with django_assert_num_queries(3):  # ratings, the account, the reader's memberships
        panel = chart_panel(unit.episode, user=unit.nurse, now=timezone.now())
    with django_assert_num_queries(0):
        html = render_to_string("portal/_chart_panel_body.html", panel)
    assert html.count("<circle") == 14
