"""Every page shows dates and times one way, in the program's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from detoxdesk.lib.dates import shown
from factories_intake import make_signed_evaluation

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "detoxdesk" / "templates"
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"}
# Not a date display: a time of day, a month heading, an input's ISO value, the audit log's second.
ALLOWED = {"H:i", "D H:i", "M Y", "F Y", "Y-m-d", "Y-m-d\\TH:i", "Y-m-d H:i:s"}


def test_no_template_spells_out_its_own_date_format():
    spelled = {
        f"{path.relative_to(TEMPLATES)}: {found}"
        for path in TEMPLATES.rglob("*.html")
        for found in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text())
        if found not in NAMED | ALLOWED
    }
    assert not spelled


def test_the_named_formats_read_day_first():
    at = datetime(2026, 12, 1, 23, 26, tzinfo=UTC)  # 18:26 in New York
    with timezone.override("America/New_York"):
        written = '{{ at|date }} | {{ at|date:"DATETIME_FORMAT" }} | '
        written += '{{ at|date:"SHORT_DATETIME_FORMAT" }}'
        page = Template(written).render(Context({"at": at}))
        assert page == "Tue 1 Dec 2026 | Tue 1 Dec 2026 18:26 | Tue 1 Dec 18:26"
        assert shown(at) == "Tue 1 Dec 2026 18:26"
        assert shown(date(2026, 12, 1), "DATE_FORMAT") == "Tue 1 Dec 2026"


@pytest.mark.django_db
def test_the_chart_and_the_medication_facts_give_one_last_use_time(unit, as_user):
    unit.program.timezone = "America/Los_Angeles"
    unit.program.save(update_fields=["timezone"])
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=9)
    client = as_user(unit.prescriber)
    chart = client.get(reverse("patients:chart", kwargs={"patient_uuid": unit.patient.uuid}))
    facts = client.get(reverse("medications:facts", kwargs={"episode_uuid": unit.episode.uuid}))
    # 06:00 UTC on 2 March is 22:00 the evening before in Los Angeles (01:00 in New York).
    assert "last use Sun 1 Mar 22:00" in chart.content.decode()
    assert 'value="2026-03-01T22:00"' in facts.content.decode()
