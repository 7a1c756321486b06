"""The migration that keeps the report's figures on each discharge fills them for those signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detoxdesk.accounts.models import Role
from factories import make_episode, make_facility, make_program, make_user

BEFORE = [("aftercare", "0001_initial")]
AFTER = [("aftercare", "0002_discharge_measured")]
T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_it_fills_the_figures_of_signed_discharges_only(migrator):
    executor = migrator()
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Discharge = apps.get_model("aftercare", "Discharge")
    BundleItem = apps.get_model("aftercare", "BundleItem")
    Appointment = apps.get_model("aftercare", "Appointment")
    program = make_program(name="Old program")
    facility = make_facility(program, name="Ward")
    nurse = make_user(Role.NURSE, facility, username="nurse")
    made = {}
    for name, status in (("signed", "signed"), ("open", "preparing"), ("bare", "signed")):
        episode = make_episode(facility, admitted_at=T0 - timedelta(days=5))
        made[name] = Discharge.objects.create(
            episode_id=episode.pk,
            patient_id=episode.patient_id,
            kind="completed",
            status=status,
            started_by_id=nurse.pk,
            started_at=T0,
        )
    for name in ("signed", "open"):
        discharge = made[name]
        BundleItem.objects.create(
            discharge=discharge, code="moud", status="done", details={"moud_option": "methadone"}
        )
        BundleItem.objects.create(
            discharge=discharge, code="naloxone", status="declined", details={}, reason="No"
        )
        for hours in (30, 20):
            Appointment.objects.create(
                discharge=discharge,
                patient_id=discharge.patient_id,
                when=T0 + timedelta(hours=hours),
                provider_name="Harbor Clinic",
                is_warm_handoff=True,
            )
    executor = migrator()
    executor.migrate(AFTER)
    Discharge = executor.loader.project_state(AFTER).apps.get_model("aftercare", "Discharge")
    fields = ("moud_status", "moud_option", "naloxone_status", "naloxone_how", "warm_handoff_at")
    got = {name: Discharge.objects.values_list(*fields).get(pk=d.pk) for name, d in made.items()}
    assert got == {
        "signed": ("done", "methadone", "declined", "", T0 + timedelta(hours=20)),
        "open": ("", "", "", "", None),
        "bare": ("", "", "", "", None),
    }
