from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from detoxdesk.accounts.models import Role
from detoxdesk.staff import actions
from factories import make_user
from factories_staff import make_outside_admin

pytestmark = pytest.mark.django_db

URL = reverse("staff:list")


def names(response):
    return [p.username for p in response.context["page"].object_list]


def test_an_administrator_lists_the_staff_of_their_facility(unit, as_user):
    response = as_user(unit.admin).get(URL)
    assert response.status_code == 200
    assert set(names(response)) == {
        "nurse",
        "prescriber",
        "counselor",
        "coordinator",
        "director",
        "auditor",
        "admin",
    }
    assert "outsider" not in names(response)


def test_an_outside_administrator_sees_only_their_facilitys_staff(unit, as_user):
    response = as_user(make_outside_admin(unit)).get(URL)
    assert set(names(response)) == {"director", "outsider", "other-admin"}
    nurse_page = reverse("staff:person", args=[unit.nurse.uuid])
    assert as_user(make_user(Role.ADMINISTRATOR, unit.other)).get(nurse_page).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [("presc", {"prescriber"}), ("counselor", {"counselor"}), ("nobody", set())],
)
def test_the_list_is_searchable(unit, as_user, query, expected):
    assert set(names(as_user(unit.admin).get(URL, {"q": query}))) == expected


def test_it_filters_deactivated_and_locked_accounts(unit, as_user):
    actions.do_deactivate(unit.nurse, acting_user=unit.admin)
    sign_in = reverse("accounts:login")
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        Client().post(sign_in, {"username": "prescriber", "password": "wrong password"})
    client = as_user(unit.admin)
    assert names(client.get(URL, {"status": "inactive"})) == ["nurse"]
    assert names(client.get(URL, {"status": "locked"})) == ["prescriber"]
    assert "nurse" not in names(client.get(URL, {"status": "active"}))


def count_queries(client, url, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return len(queries), response


def test_the_list_is_paginated_with_the_same_query_count_at_any_size(unit, as_user):
    client = as_user(unit.admin)
    client.get(URL)  # the first request of a session creates it
    small, _ = count_queries(client, URL)
    for n in range(30):
        make_user(Role.NURSE, unit.ward, username=f"extra{n:02d}")
    large, first = count_queries(client, URL)
    assert large == small
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.num_pages == 2
    assert len(client.get(URL, {"page": 2}).context["page"].object_list) == 12


def test_the_person_page_shows_roles_and_actions(unit, as_user):
    response = as_user(unit.admin).get(reverse("staff:person", args=[unit.director.uuid]))
    assert response.status_code == 200
    roles = [(m.facility.name, mine) for m, mine in response.context["roles"]]
    assert roles == [("Clinic B", False), ("Ward A", True)]
    assert b"Deactivate" in response.content


def test_the_own_page_offers_no_account_actions(unit, as_user):
    response = as_user(unit.admin).get(reverse("staff:person", args=[unit.admin.uuid]))
    assert b"Deactivate" not in response.content


def test_an_administrator_starts_on_the_staff_list(unit, as_user):
    response = as_user(unit.admin).get(reverse("patients:home"))
    assert response.status_code == 302
    assert response.url == URL


def test_the_menu_offers_the_staff_pages_by_role(unit, as_user):
    admin_nav = as_user(unit.admin).get(URL).context["staff_nav"]
    assert ("staff:list", "Staff") in admin_nav
    assert ("staff:facilities", "Facilities") in admin_nav
