from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_unconfirmed_loinc_codes_are_on_the_go_live_list(unit, as_user):
    response = as_user(unit.director).get(reverse("patients:go_live"))
    names = {item.name for item in response.context["items"]}
    assert {"Buprenorphine screen: LOINC code", "Benzodiazepines screen: LOINC code"} <= names
    assert "Fentanyl screen: LOINC code" not in names
