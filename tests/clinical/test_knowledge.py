"""The knowledge files and their one source registry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError

# Every source key of SPEC.md's defaults table, plus our own entry limits.
SPEC_KEYS = [
    "wesson-ling-2003",
    "handelsman-1987",
    "sullivan-1989",
    "asam-alcohol-2020",
    "acep-bupe-tool",
    "nida-ed-2018",
    "asam-2015",
    "varshneya-2022",
    "asam-2020",
    "cmaj-2018",
    "herring-2021",
    "randhawa-2020",
    "cfr-8-12-2024",
    "krantz-2009",
    "va-pbm-handout",
    "uptodate-ed",
    "lofexidine-label",
    "fda-loperamide-2016",
    "fda-2016",
    "fda-2017",
    "vivitrol-label",
    "asam-patient-2020",
    "cdc-2016",
    "cdc-2022",
    "hhs-2019",
    "ctn-0003",
    "tip-63",
    "huhn-2020",
    "mmwr-2013",
    "acog-711",
    "asam-criteria-3",
    "detoxdesk-entry-limits",
    # Named in SPEC's research sections rather than its defaults table.
    "oakley-2021",
    "hillhouse-2010",
    "uptodate-adjunct",
    # SPEC's December 2026 additions.
    "rcp-news2-2017",
    "fda-btod-2024",
    "asam-hpso-2023",
    "buppractice",
    "chou-2014",
    "bccsu-oud-app3",
    "fda-ondansetron-2011",
    "mhra-hydroxyzine-2015",
    "fda-gabapentinoid-2019",
    "who-2009",
    "fda-naloxone-2020",
    "methadone-label-interactions",
    # SPEC section 13's crisis resources.
    "samhsa-helpline",
    "lifeline-988",
    # SPEC A14.2's controlled-substance records.
    "cfr-1304",
    "dea-106-2023",
    "dea-41",
    "cfr-2-2024",
    # SPEC A6's alcohol withdrawal: PAWSS, the placement it feeds, phenobarbital.
    "maldonado-2014",
    "bccsu-aud-2023",
    "nice-cg100",
    "rosenson-2013",
    # Coding for the FHIR export: SPEC 14.2 (ICD-10-CM) and the FHIR R4 vital-signs profile.
    "icd10cm-f11",
    "fhir-r4-vitalsigns",
    # SPEC A10, drug testing.
    "asam-dt-2017",
    "aap-udt",
    "afp-2019",
    "cdc-ig",
    "loinc-public-code",
    # SPEC A7 and defaults table: benzodiazepine tapering.
    "jgim-bzd-2025",
]

TOML_FILES = sorted(knowledge.KNOWLEDGE_DIR.glob("*.toml"))


def registry_keys() -> set[str]:
    with (knowledge.KNOWLEDGE_DIR / "sources.toml").open("rb") as file:
        return set(tomllib.load(file))


def test_it_registers_every_source_key_of_the_spec() -> None:
    assert registry_keys() == set(SPEC_KEYS)
    assert {entry.key for entry in knowledge.all_sources()} == set(SPEC_KEYS)


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda path: path.name)
def test_it_resolves_every_source_cited_in_a_knowledge_file(path: Path) -> None:
    with path.open("rb") as file:
        cited = knowledge.referenced_sources(tomllib.load(file))
    assert cited <= registry_keys()
    knowledge.load(path.stem)  # the loader's own check agrees


def test_it_finds_the_knowledge_files() -> None:
    assert {path.name for path in TOML_FILES} >= {"sources.toml", "scales.toml", "vitals.toml"}


@pytest.mark.parametrize("entry", knowledge.all_sources(), ids=lambda entry: entry.key)
def test_it_gives_every_source_a_title_and_a_confidence(entry: knowledge.Source) -> None:
    assert entry.confidence in {"C", "S", "U"}
    assert entry.title.strip()
    assert entry.url is None or entry.url.startswith(("http://", "https://"))


def test_it_marks_our_entry_limits_unconfirmed() -> None:
    own = knowledge.source("detoxdesk-entry-limits")
    assert (own.confidence, own.url) == ("U", None)


@pytest.mark.parametrize(
    ("key", "confidence"),
    [("wesson-ling-2003", "C"), ("randhawa-2020", "S"), ("tip-63", "S"), ("fda-2017", "C")],
)
def test_it_carries_the_confidence_from_the_spec(key: str, confidence: str) -> None:
    assert knowledge.source(key).confidence == confidence


def test_it_refuses_an_unknown_source_key() -> None:
    with pytest.raises(KnowledgeError, match="no-such-source"):
        knowledge.source("no-such-source")


def test_it_refuses_data_citing_an_unregistered_source() -> None:
    data = {"x": [{"value": 1, "source": "wesson-ling-2003"}, {"source": "made-up-2024"}]}
    with pytest.raises(KnowledgeError, match="made-up-2024"):
        knowledge.check_sources(data, "example.toml")


def test_it_finds_sources_at_any_depth() -> None:
    data = {"source": "a", "t": {"items": [{"bands": [{"source": "b"}]}]}}
    assert knowledge.referenced_sources(data) == {"a", "b"}


def test_it_refuses_a_source_that_is_not_a_key() -> None:
    with pytest.raises(KnowledgeError):
        knowledge.referenced_sources({"source": ["wesson-ling-2003"]})


def test_it_reports_a_missing_knowledge_file() -> None:
    with pytest.raises(KnowledgeError, match="no-such-file.toml"):
        knowledge.read_toml("no-such-file")
