"""The accounting of disclosures (42 CFR 2.25): three years back, or a shorter period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.disclosures import actions, package, queries
from factories_disclosures import make_consent

pytestmark = pytest.mark.django_db


def _disclose(unit, when, recipient="Harbor Primary Care"):
    purpose = "patient_request" if recipient == "patient" else "treatment"
    return actions.do_disclose(
        user=unit.nurse,
        patient=unit.patient,
        recipient=recipient,
        purpose=purpose,
        information="chart",
        description="Chart",
        now=when,
    )


def test_it_lists_three_years_by_default_and_a_shorter_period_on_request(unit) -> None:
    make_consent(
        unit.nurse, unit.patient, unit.ward, expires_on=timezone.localdate() + timedelta(days=2000)
    )
    now = timezone.now()
    old = _disclose(unit, now - timedelta(days=3 * 365 + 5))
    two_years = _disclose(unit, now - timedelta(days=2 * 365))
    recent = _disclose(unit, now - timedelta(days=10))
    _disclose(unit, now - timedelta(days=1), recipient="patient")
    assert list(queries.accounting(unit.patient)) == [recent, two_years]
    since = timezone.localdate() - timedelta(days=30)
    assert list(queries.accounting(unit.patient, since=since)) == [recent]
    # A longer period than the rule's is not offered: the default is also the earliest.
    assert old not in queries.accounting(unit.patient, since=since - timedelta(days=5000))
    assert len(queries.own_copies(unit.patient)) == 1


def test_the_notice_is_the_section_2_32_statement() -> None:
    text = package.notice_text()
    assert text.startswith("This record which has been disclosed to you is protected by Federal")
    assert "42 CFR 2.64 or 2.65" in text


ACCOUNTING_PAGE_QUERIES = 13


@pytest.mark.parametrize("count", [1, 12])
def test_the_accounting_page_reads_the_same_queries_at_any_size(
    as_user, unit, django_assert_num_queries, count
) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    for _ in range(count):
        _disclose(unit, timezone.now())
    client = as_user(unit.nurse)
    url = reverse("disclosures:accounting", args=[unit.patient.uuid])
    client.get(url)
    with django_assert_num_queries(ACCOUNTING_PAGE_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('class="basis-consent"') == count
