"""The predicate factories behind the placement rules, built and run inside each test.

``placement.RULES`` is built once, when the module is imported; these tests build the predicates
themselves so that a change to a factory shows here (and under ``python3 dev.py mutate``).
"""

from __future__ import annotations

import pytest

from detoxdesk.clinical import placement
from detoxdesk.clinical.placement_input import Evaluation, Risk

# COWS total -> the rating its band gives (placement.toml band_ratings; wesson-ling-2003 bands).
COWS = {None: None, 0: 0, 4: 0, 5: 1, 12: 1, 13: 2, 24: 2, 25: 3, 36: 3, 37: 3, 48: 3}
CIWA_AR = {None: None, 0: 1, 9: 1, 10: 2, 18: 2, 19: 3, 67: 3}


@pytest.mark.parametrize("risk", list(Risk))
def test_cows_rated_reads_the_cows_total_and_its_band(risk: Risk) -> None:
    predicate = placement.cows_rated(risk)
    assert predicate.__name__ == f"cows_rated_{risk.name.lower()}"
    for total, rating in COWS.items():
        scored = Evaluation(substances=(), current_cows=total, current_ciwa_ar=19)
        assert predicate(scored) is (rating == risk), total


@pytest.mark.parametrize("risk", list(Risk))
def test_ciwa_ar_rated_reads_the_ciwa_ar_total_and_its_band(risk: Risk) -> None:
    predicate = placement.ciwa_ar_rated(risk)
    assert predicate.__name__ == f"ciwa_ar_rated_{risk.name.lower()}"
    for total, rating in CIWA_AR.items():
        scored = Evaluation(substances=(), current_ciwa_ar=total, current_cows=0)
        assert predicate(scored) is (rating == risk), total


@pytest.mark.parametrize("risk", list(Risk))
def test_readiness_rated_matches_only_its_own_rating(risk: Risk) -> None:
    predicate = placement.readiness_rated(risk)
    assert predicate.__name__ == f"readiness_rated_{risk.name.lower()}"
    for rating in [None, *Risk]:
        assert predicate(Evaluation(substances=(), readiness_rating=rating)) is (rating == risk)
