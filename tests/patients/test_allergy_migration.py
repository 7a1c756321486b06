from __future__ import annotations

from datetime import date

BEFORE = [("patients", "0003_allergies_contacts_version")]
AFTER = [("patients", "0004_copy_free_text_allergies")]


def test_it_keeps_free_text_allergies_as_other_substance_entries(migrator):
    executor = migrator()
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Program = apps.get_model("patients", "Program")
    Patient = apps.get_model("patients", "Patient")
    program = Program.objects.create(name="Old program")
    long_text = "Penicillin (rash); " + "x" * 300
    for number, text in (("1", "Penicillin (rash)"), ("2", ""), ("3", long_text)):
        Patient.objects.create(
            program=program,
            record_number=number,
            given_name="A",
            family_name="B",
            date_of_birth=date(1990, 1, 1),
            allergies=text,
        )
    executor = migrator()
    executor.migrate(AFTER)
    Allergy = executor.loader.project_state(AFTER).apps.get_model("patients", "Allergy")
    entries = {a.patient.record_number: a for a in Allergy.objects.select_related("patient")}
    assert set(entries) == {"1", "3"}
    assert entries["1"].other_substance == "Penicillin (rash)"
    assert entries["1"].substance == ""
    assert "former free-text" in entries["1"].note
    assert long_text in entries["3"].note  # nothing is lost when the text is long
