"""The knowledge loader (``clinical.knowledge``): the exact refusal of each malformed source entry,
unreadable file and unregistered citation, and what the registry and the helpers return.

Malformed entries are fed to the plain helpers (``_build_source``, ``build_each``) or written to a
temporary knowledge directory; the shipped files are never edited.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.knowledge import Source

# --- Reading a file -------------------------------------------------------------------------------


def test_reading_a_file_returns_its_parsed_tables() -> None:
    path = knowledge.KNOWLEDGE_DIR / "medications.toml"
    with path.open("rb") as file:
        expected = tomllib.load(file)
    assert knowledge.read_toml("medications") == expected


def test_a_missing_file_is_refused_naming_the_file_and_the_os_error() -> None:
    path = knowledge.KNOWLEDGE_DIR / "no-such-file.toml"
    with pytest.raises(KnowledgeError) as raised:
        knowledge.read_toml("no-such-file")
    assert str(raised.value) == (
        f"no-such-file.toml: [Errno 2] No such file or directory: {str(path)!r}"
    )


def test_a_file_that_is_not_toml_is_refused_naming_the_file_and_the_parse_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "broken.toml").write_text("key = = 1\n")
    with pytest.raises(tomllib.TOMLDecodeError) as parse:
        tomllib.loads("key = = 1\n")
    monkeypatch.setattr(knowledge, "KNOWLEDGE_DIR", tmp_path)
    with pytest.raises(KnowledgeError) as raised:
        knowledge.read_toml("broken")
    assert str(raised.value) == f"broken.toml: {parse.value}"


# --- One entry of sources.toml --------------------------------------------------------------------

ENTRY = {"title": "A source", "url": "https://example.org/a", "confidence": "C"}


def entry(**changes: object) -> dict[str, Any]:
    edited: dict[str, Any] = {**ENTRY, **changes}
    return {key: value for key, value in edited.items() if value is not None}


def test_a_source_entry_carries_its_key_title_url_and_confidence() -> None:
    assert knowledge._build_source("key-1", ENTRY) == Source(
        key="key-1", title="A source", url="https://example.org/a", confidence="C"
    )


def test_a_source_without_a_url_has_none() -> None:
    assert knowledge._build_source("key-1", entry(url=None)) == Source(
        key="key-1", title="A source", url=None, confidence="C"
    )


@pytest.mark.parametrize("url", ["http://example.org", "https://example.org"])
def test_a_source_url_may_be_http_or_https(url: str) -> None:
    assert knowledge._build_source("key-1", entry(url=url)).url == url


@pytest.mark.parametrize("confidence", ["C", "S", "U"])
def test_a_source_confidence_is_one_of_c_s_u(confidence: str) -> None:
    assert knowledge._build_source("key-1", entry(confidence=confidence)).confidence == confidence


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("A source", "expected a table"),
        (["A source"], "expected a table"),
        (entry(title=None), "a title is required"),
        (entry(title=""), "a title is required"),
        (entry(title="   "), "a title is required"),
        (entry(title=1), "a title is required"),
        (entry(url="ftp://example.org"), "url must be an http(s) address"),
        (entry(url="example.org"), "url must be an http(s) address"),
        (entry(url="HTTPS://example.org"), "url must be an http(s) address"),
        (entry(url=1), "url must be an http(s) address"),
        (entry(confidence=None), "confidence must be one of C, S, U"),
        (entry(confidence="Q"), "confidence must be one of C, S, U"),
        (entry(confidence="c"), "confidence must be one of C, S, U"),
    ],
    ids=[
        "text",
        "list",
        "no-title",
        "empty-title",
        "blank-title",
        "number-title",
        "ftp-url",
        "url-without-scheme",
        "upper-case-scheme",
        "number-url",
        "no-confidence",
        "unknown-confidence",
        "lower-case-confidence",
    ],
)
def test_a_malformed_source_entry_is_refused_naming_its_key(raw: object, problem: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge._build_source("key-1", raw)
    assert str(raised.value) == f"sources.toml [key-1]: {problem}"


# --- The registry ---------------------------------------------------------------------------------


def test_a_registered_source_is_found_by_its_key() -> None:
    assert knowledge.source("fda-2017") == Source(
        key="fda-2017",
        title=knowledge.read_toml("sources")["fda-2017"]["title"],
        url=knowledge.read_toml("sources")["fda-2017"].get("url"),
        confidence="C",
    )


def test_an_unknown_source_key_is_refused_naming_it() -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.source("no-such-source")
    assert str(raised.value) == "Unknown source key 'no-such-source'."


def test_all_sources_come_in_the_order_of_the_registry_file() -> None:
    registered = knowledge.read_toml("sources")
    found = knowledge.all_sources()
    assert isinstance(found, tuple)
    assert [item.key for item in found] == list(registered)
    assert found == tuple(knowledge.source(key) for key in registered)


# --- Citations ------------------------------------------------------------------------------------


def test_citations_are_found_in_nested_tables_and_lists_and_nowhere_else() -> None:
    data = {
        "title": "not a citation",
        "source": "top",
        "table": {"source": "in-a-table", "inner": {"source": "deeper"}},
        "items": [{"source": "in-a-list"}, [{"source": "in-a-nested-list"}], "source"],
    }
    assert knowledge.referenced_sources(data) == frozenset(
        {"top", "in-a-table", "deeper", "in-a-list", "in-a-nested-list"}
    )


def test_data_without_citations_cites_nothing() -> None:
    assert knowledge.referenced_sources({"value": 1, "items": [1, "x"]}) == frozenset()


def test_a_citation_that_is_not_text_is_refused_listing_every_citation() -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.referenced_sources({"a": {"source": "fda-2017"}, "b": [{"source": 1}]})
    assert str(raised.value) == "A source must be a key string, got ['fda-2017', 1]"


def test_registered_citations_pass_the_check() -> None:
    knowledge.check_sources({"a": {"source": "fda-2017"}, "b": [{"source": "fda-2016"}]}, "x")


def test_unregistered_citations_are_refused_listed_in_order_without_the_registered_ones() -> None:
    data = {"a": {"source": "zz-made-up"}, "b": [{"source": "fda-2017"}, {"source": "aa-made-up"}]}
    with pytest.raises(KnowledgeError) as raised:
        knowledge.check_sources(data, "example.toml")
    assert str(raised.value) == (
        "example.toml: source key(s) not in sources.toml: aa-made-up, zz-made-up"
    )


# --- build_each -----------------------------------------------------------------------------------


def pair(code: str, raw: Any) -> tuple[str, Any]:
    return (code, raw["n"])


def test_build_each_builds_every_code_in_the_given_order() -> None:
    table = {"b": {"n": 2}, "a": {"n": 1}}
    built = knowledge.build_each("x", table, ["a", "b"], pair)
    assert list(built.items()) == [("a", ("a", 1)), ("b", ("b", 2))]


@pytest.mark.parametrize(
    "table",
    [{"a": {"n": 1}}, {"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3}}],
    ids=["one-missing", "one-extra"],
)
def test_build_each_refuses_a_table_without_exactly_the_codes(table: dict[str, Any]) -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.build_each("x", table, ["a", "b"], pair)
    assert str(raised.value) == "x.toml must define exactly a, b"


def test_build_each_refuses_an_entry_missing_a_key() -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.build_each("x", {"a": {"n": 1}, "b": {}}, ["a", "b"], pair)
    assert str(raised.value) == "x.toml: missing or malformed entry 'n'"


def test_build_each_refuses_a_malformed_entry() -> None:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.build_each("x", {"a": {"n": 1}, "b": 5}, ["a", "b"], pair)
    assert str(raised.value) == (
        "x.toml: missing or malformed entry 'int' object is not subscriptable"
    )
