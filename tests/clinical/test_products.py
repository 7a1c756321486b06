"""Allergies match products by ingredient, never by free text."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import products
from detoxdesk.clinical.errors import KnowledgeError


@pytest.mark.parametrize(
    ("product", "allergies", "matches"),
    [
        ("buprenorphine_naloxone", ["naloxone"], ("naloxone",)),
        ("buprenorphine_naloxone", ["buprenorphine", "penicillin"], ("buprenorphine",)),
        ("buprenorphine", ["naloxone"], ()),
        ("methadone", ["methadone"], ("methadone",)),
        ("methadone", [], ()),
        ("lofexidine", ["clonidine"], ()),
    ],
)
def test_it_matches_by_ingredient(product: str, allergies: list[str], matches: tuple) -> None:
    assert products.allergy_matches(product, allergies) == matches


def test_it_lists_every_ingredient_with_a_label() -> None:
    choices = dict(products.ingredient_choices())
    assert choices["naloxone"] == "Naloxone" and "buprenorphine" in choices


@pytest.mark.parametrize(
    "data",
    [
        {"ingredients": {"a": {}}},
        {"ingredients": {"a": {"label": "A"}}, "products": {"p": {"label": "P"}}},
        {
            "ingredients": {"a": {"label": "A"}},
            "products": {"p": {"label": "P", "ingredients": ["b"]}},
        },
        {"ingredients": []},
    ],
)
def test_it_refuses_malformed_knowledge(data: dict) -> None:
    with pytest.raises(KnowledgeError):
        products.build_catalogue(data)
