"""Products and their ingredients (``clinical.products``): the exact refusal of each malformed
entry of products.toml, and what the catalogue answers for codes it does and does not list."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, products
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.products import Catalogue, Product

GOOD = {"ingredients": {"a": {"label": "A"}, "b": {"label": "B"}}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ingredients": []}, "products.toml: [ingredients] must be a table"),
        ({**GOOD, "products": "p"}, "products.toml: [products] must be a table"),
        ({"ingredients": {"a": {}}}, "products.toml [ingredients.a]: a label is required"),
        ({"ingredients": {"a": "A"}}, "products.toml [ingredients.a]: a label is required"),
        (
            {"ingredients": {"a": {"label": 1}}},
            "products.toml [ingredients.a]: a label is required",
        ),
        (
            {"ingredients": {"a": {"label": " "}}},
            "products.toml [ingredients.a]: a label is required",
        ),
        ({**GOOD, "products": {"p": ["a"]}}, "products.toml [products.p]: expected a table"),
        (
            {**GOOD, "products": {"p": {"ingredients": ["a"]}}},
            "products.toml [products.p]: a label and a list of ingredients are required",
        ),
        (
            {**GOOD, "products": {"p": {"label": "P"}}},
            "products.toml [products.p]: a label and a list of ingredients are required",
        ),
        (
            {**GOOD, "products": {"p": {"label": "P", "ingredients": "a"}}},
            "products.toml [products.p]: a label and a list of ingredients are required",
        ),
        (
            {**GOOD, "products": {"p": {"label": "P", "ingredients": []}}},
            "products.toml [products.p]: a label and a list of ingredients are required",
        ),
        (
            {**GOOD, "products": {"p": {"label": "P", "ingredients": ["a", "x", 3, "b"]}}},
            "products.toml [products.p]: unknown ingredient(s) x, 3",
        ),
    ],
)
def test_it_refuses_a_malformed_entry_naming_it(data: dict[str, Any], message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        products.build_catalogue(data)
    assert str(raised.value) == message


def test_it_builds_the_catalogue_in_file_order() -> None:
    data = {**GOOD, "products": {"ab": {"label": "A and B", "ingredients": ["b", "a", "b"]}}}
    catalogue = products.build_catalogue(data)
    assert catalogue == Catalogue(
        {"a": "A", "b": "B"}, {"ab": Product("ab", "A and B", frozenset({"a", "b"}))}
    )
    assert list(catalogue.ingredients) == ["a", "b"]


def test_a_file_without_tables_is_an_empty_catalogue() -> None:
    assert products.build_catalogue({}) == Catalogue({}, {})
    assert products.build_catalogue(GOOD).products == {}


def test_it_loads_the_shipped_products() -> None:
    catalogue = products.catalogue()
    assert catalogue.products == {
        "buprenorphine_naloxone": Product(
            "buprenorphine_naloxone",
            "Buprenorphine/naloxone",
            frozenset({"buprenorphine", "naloxone"}),
        ),
        "naloxone": Product("naloxone", "Naloxone", frozenset({"naloxone"})),
    }
    choices = products.ingredient_choices()
    assert choices[:3] == (
        ("buprenorphine", "Buprenorphine"),
        ("naloxone", "Naloxone"),
        ("naltrexone", "Naltrexone"),
    )
    assert choices[-1] == ("thiamine", "Thiamine")
    assert len(choices) == 27
    assert dict(choices)["acetaminophen"] == "Acetaminophen (paracetamol)"


def test_it_reads_products_toml_through_the_knowledge_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = copy.deepcopy(knowledge.read_toml("products"))
    data["ingredients"]["naloxone"]["label"] = "Naloxone (Narcan)"
    read = knowledge.read_toml
    monkeypatch.setattr(
        knowledge, "read_toml", lambda name: data if name == "products" else read(name)
    )
    assert products.ingredient_label("naloxone") == "Naloxone (Narcan)"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("naloxone", "Naloxone"),
        ("acetaminophen", "Acetaminophen (paracetamol)"),
        ("alcohol", "alcohol"),
    ],
)
def test_an_ingredient_is_named_by_its_label_or_else_its_code(code: str, label: str) -> None:
    assert products.ingredient_label(code) == label


@pytest.mark.parametrize(
    ("code", "ingredients"),
    [
        ("buprenorphine_naloxone", frozenset({"buprenorphine", "naloxone"})),
        ("naloxone", frozenset({"naloxone"})),
        ("methadone", frozenset({"methadone"})),
        ("alcohol", frozenset({"alcohol"})),
    ],
)
def test_a_code_that_is_not_a_product_is_its_own_ingredient(
    code: str, ingredients: frozenset[str]
) -> None:
    assert products.ingredients_of(code) == ingredients


def test_allergy_matches_keep_the_order_they_were_recorded_in() -> None:
    recorded = ["naloxone", "codeine", "buprenorphine", "naloxone"]
    assert products.allergy_matches("buprenorphine_naloxone", recorded) == (
        "naloxone",
        "buprenorphine",
        "naloxone",
    )
    assert products.allergy_matches("codeine", iter(recorded)) == ("codeine",)
