from __future__ import annotations

import pytest
from django.core.management import call_command

from detoxdesk.audit.models import AuditEvent
from detoxdesk.labs.models import Result
from detoxdesk.medications.models import PatientFacts


@pytest.mark.django_db
def test_the_demo_records_results_through_the_action(capsys):
    call_command("load_demo")
    assert sorted(Result.objects.values_list("panel", flat=True)) == [
        "alcohol",
        "ecg",
        "urine_drug_screen",
        "urine_drug_screen",
        "urine_drug_screen",
    ]
    assert AuditEvent.objects.filter(event="lab_result.recorded").count() == 5
    fentanyl = Result.objects.get(findings__analyte="fentanyl", findings__outcome="positive")
    assert PatientFacts.objects.get(episode=fentanyl.episode).fentanyl_exposure is True
    ecg = Result.objects.get(panel="ecg")
    facts = PatientFacts.objects.get(episode=ecg.episode)
    assert (facts.qtc_ms, facts.qtc_measured_at) == (430, ecg.specimen_at)
