from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from detoxdesk.tapers import actions
from factories_tapers import set_thresholds

URL = reverse("tapers:mme")
pytestmark = pytest.mark.django_db
NO_CONVERSION = "must not be used to convert one opioid to another"


def rows(*meds, mode="cdc2022", count=4, **extra):
    data = {"rows": str(count), "methadone_factors": mode, **extra}
    for i in range(count):
        data.update({f"drug_{i}": "", f"dose_{i}": "", f"unit_{i}": "mg", f"per_day_{i}": ""})
    for i, (drug, dose, unit, per_day) in enumerate(meds):
        data.update({f"drug_{i}": drug, f"dose_{i}": dose, f"unit_{i}": unit})
        data[f"per_day_{i}"] = per_day
    return data


def test_it_sends_anonymous_visitors_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_it_refuses_a_role_without_chart_access(unit, as_user):
    assert as_user(unit.auditor).get(URL).status_code == 403


def test_it_always_warns_against_converting_between_opioids(unit, as_user):
    assert NO_CONVERSION in as_user(unit.nurse).get(URL).content.decode()


@pytest.mark.parametrize(
    ("meds", "total", "flags"),
    [
        ([("oxycodone", "10", "mg", "3")], "45", []),
        ([("morphine", "25", "mg", "2")], "50", ["At or above 50"]),
        ([("fentanyl_transdermal", "25", "mcg/h", "")], "60", ["At or above 50"]),
        (
            [("hydromorphone", "4", "mg", "4"), ("oxycodone", "10", "mg", "1")],
            "95",
            ["At or above 50", "At or above 90"],
        ),
    ],
)
def test_it_totals_mme_and_flags_the_thresholds(unit, as_user, meds, total, flags):
    response = as_user(unit.counselor).post(URL, rows(*meds))
    result = response.context["result"]
    assert Decimal(str(result["total_mme_per_day"])) == Decimal(total)
    body = response.content.decode()
    for flag in flags:
        assert flag in body
    assert NO_CONVERSION in body


def test_it_shows_buprenorphine_excluded_with_the_reason(unit, as_user):
    response = as_user(unit.nurse).post(
        URL, rows(("buprenorphine", "8", "mg", "2"), ("morphine", "10", "mg", "1"))
    )
    assert response.context["result"]["total_mme_per_day"] == 10
    assert "Buprenorphine is not counted in MME" in response.content.decode()


@pytest.mark.parametrize(("mode", "total"), [("cdc2022", "94"), ("cdc2016", "80")])
def test_it_uses_the_methadone_factors_chosen(unit, as_user, mode, total):
    response = as_user(unit.nurse).post(URL, rows(("methadone", "10", "mg", "2"), mode=mode))
    assert Decimal(str(response.context["result"]["total_mme_per_day"])) == Decimal(total)


def test_it_names_the_row_and_field_of_a_bad_entry(unit, as_user):
    response = as_user(unit.nurse).post(
        URL, rows(("morphine", "10", "mg", "1"), ("oxycodone", "10", "mcg/h", "2"))
    )
    assert response.context["result"] is None
    assert "unit for oxycodone must be mg" in response.context["form"].errors["unit_1"][0]


def test_it_adds_rows_without_javascript(unit, as_user):
    response = as_user(unit.nurse).post(URL, rows(("morphine", "10", "mg", "1"), more="1"))
    form = response.context["form"]
    assert form.row_count == 7 and response.context["result"] is None
    assert 'name="drug_6"' in response.content.decode()


def test_it_defaults_to_the_programs_methadone_factors(unit, as_user):
    set_thresholds(unit)
    unit.program.taper_settings.methadone_factors = "cdc2016"
    unit.program.taper_settings.save()
    form = as_user(unit.nurse).get(URL).context["form"]
    assert form.initial["methadone_factors"] == "cdc2016"


def test_it_shows_the_patients_mme_on_the_chart(unit, as_user):
    actions.do_record_opioid(
        unit.episode,
        acting_user=unit.nurse,
        drug="oxycodone",
        dose=Decimal("20"),
        unit="mg",
        doses_per_day=Decimal("3"),
        prescriber="Dr Lee",
    )
    body = as_user(unit.counselor).get(reverse("patients:chart", args=[unit.patient.uuid]))
    text = body.content.decode()
    assert "90 MME/day" in text and "At or above 90" in text and NO_CONVERSION in text
    assert "Record a prescribed opioid" not in text  # a counselor reads only


def test_it_records_an_opioid_through_the_form(unit, as_user, client):
    url = reverse("tapers:record_opioid", args=[unit.episode.uuid])
    assert as_user(unit.outsider).get(url).status_code == 404
    assert as_user(unit.counselor).get(url).status_code == 403
    response = as_user(unit.nurse).post(
        url, {"drug": "tramadol", "dose": "50", "unit": "mg", "doses_per_day": ""}
    )
    assert "doses_per_day" in response.context["form"].errors
    response = as_user(unit.nurse).post(
        url, {"drug": "tramadol", "dose": "50", "unit": "mg", "doses_per_day": "4"}
    )
    assert response.status_code == 302
    assert unit.patient.prescribed_opioids.get().drug == "tramadol"
