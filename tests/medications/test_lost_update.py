"""Two people change the same order, or the same medication facts, at once: the second save is
refused, names the first person and their change, shows it, and saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.auth import REAUTH_SESSION_KEY
from detoxdesk.accounts.models import Role
from detoxdesk.medications import actions
from detoxdesk.medications.models import PatientFacts
from factories import make_user
from factories_medications import make_facts, sign_prn

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = timezone.now().timestamp()
    session.save()
    return client


def as_posted(form) -> dict[str, object]:
    """The form's fields as a browser would send them back unchanged."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


@pytest.fixture
def second_prescriber(unit):
    user = make_user(Role.PRESCRIBER, unit.ward, username="prescriber2")
    user.first_name = "Second"
    user.save(update_fields=["first_name"])
    return user


def test_it_refuses_a_stale_order_change_and_shows_the_other_version(
    unit, clock, second_prescriber
):
    line = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea").line
    url = reverse("medications:modify_order", args=[line.uuid])
    first, second = signed_in(unit.prescriber), signed_in(second_prescriber)
    read_first = as_posted(first.get(url).context["form"])
    read_second = as_posted(second.get(url).context["form"])
    assert read_first["read_version"] == 1
    clock.shift(60)
    change = {"sign": "1", "acknowledge_warnings": "on", "reason": "r"}
    saved = first.post(url, {**read_first, **change, "dose_mg": "4"})
    assert saved.status_code == 302
    response = second.post(url, {**read_second, **change, "dose_mg": "1"})
    assert response.status_code == 200  # the form again, not the redirect of a signature
    form = response.context["form"]
    message = " ".join(form.non_field_errors())
    assert unit.prescriber.display_name in message and "version 2" in message
    assert second_prescriber.display_name not in message
    assert "Loperamide 4 mg" in message and "not signed" in message
    assert Decimal(str(form["dose_mg"].value())) == Decimal(4)  # their order, shown
    assert form["read_version"].value() == 2
    assert [v.dose_mg for v in line.versions.order_by("version")] == [Decimal(2), Decimal(4)]


def test_the_action_refuses_a_version_it_did_not_read(unit, second_prescriber):
    line = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea").line
    actions.do_modify_order(
        line, acting_user=unit.prescriber, reason="r", read_version=1, dose_mg=Decimal(4)
    )
    with pytest.raises(ValidationError) as refused:
        actions.do_modify_order(
            line, acting_user=second_prescriber, reason="r", read_version=1, dose_mg=Decimal(1)
        )
    assert refused.value.code == "stale"
    assert line.versions.count() == 2


def test_it_refuses_stale_medication_facts_and_shows_the_other_values(unit, clock):
    make_facts(unit.episode, unit.prescriber, qtc_ms=430)
    url = reverse("medications:facts", args=[unit.episode.uuid])
    first, second = signed_in(unit.nurse), signed_in(unit.prescriber)
    read_first = as_posted(first.get(url).context["form"])
    read_second = as_posted(second.get(url).context["form"])
    clock.shift(60)
    assert first.post(url, {**read_first, "qtc_ms": "510"}).status_code == 302
    response = second.post(url, {**read_second, "qtc_ms": "440"})
    assert response.status_code == 200
    form = response.context["form"]
    message = " ".join(form.non_field_errors())
    assert unit.nurse.display_name in message and "qtc ms 510" in message
    assert "not saved" in message
    assert str(form["qtc_ms"].value()) == "510"  # their value, shown
    assert PatientFacts.objects.get(episode=unit.episode).qtc_ms == 510
    # Saving again from the form as it now stands works.
    again = {**as_posted(form), "qtc_ms": "445"}
    assert second.post(url, again).status_code == 302
    assert PatientFacts.objects.get(episode=unit.episode).qtc_ms == 445


def test_the_first_facts_of_an_episode_are_not_saved_twice_over(unit, clock):
    url = reverse("medications:facts", args=[unit.episode.uuid])
    first, second = signed_in(unit.nurse), signed_in(unit.prescriber)
    read_first = as_posted(first.get(url).context["form"])
    read_second = as_posted(second.get(url).context["form"])
    assert read_first["read_mark"] == read_second["read_mark"] == ""
    clock.shift(60)
    assert first.post(url, {**read_first, "qtc_ms": "450"}).status_code == 302
    response = second.post(url, {**read_second, "qtc_ms": "460"})
    assert "not saved" in " ".join(response.context["form"].non_field_errors())
    assert PatientFacts.objects.get(episode=unit.episode).qtc_ms == 450
