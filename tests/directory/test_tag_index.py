"""The tag index is written by the actions that save a resource, not by ``Resource.save``."""

from __future__ import annotations

from detoxdesk.directory import actions
from detoxdesk.directory.models import Resource
from factories import Unit

VALUES = {
    "name": "Harbor Clinic",
    "kind": Resource.Kind.TREATMENT_PROGRAM,
    "services": ["Methadone", "counseling"],
    "languages": ["Spanish"],
    "payment": [],
}


def test_creating_a_resource_indexes_its_tags(unit: Unit) -> None:
    resource = actions.do_create_resource(acting_user=unit.coordinator, values=VALUES)
    resource.refresh_from_db()
    assert resource.tag_index == "|s:counseling|s:methadone|l:spanish|"


def test_editing_a_resource_indexes_its_new_tags(unit: Unit) -> None:
    resource = actions.do_create_resource(acting_user=unit.coordinator, values=VALUES)
    actions.do_update_resource(
        resource, acting_user=unit.coordinator, values={**VALUES, "services": ["buprenorphine"]}
    )
    resource.refresh_from_db()
    assert resource.tag_index == "|s:buprenorphine|l:spanish|"


def test_a_bare_save_leaves_the_index_alone(unit: Unit) -> None:
    resource = actions.do_create_resource(acting_user=unit.coordinator, values=VALUES)
    resource.services = ["naloxone"]
    resource.save()
    resource.refresh_from_db()
    assert resource.tag_index == "|s:counseling|s:methadone|l:spanish|"
