"""The level of care of each episode in a report, in the edition the program's reports use."""

from __future__ import annotations

from collections.abc import Sequence

from detoxdesk.clinical import asam4
from detoxdesk.intake.actions import confirmed_fourth_mapping
from detoxdesk.intake.models import Evaluation, PlacementSettings
from detoxdesk.patients.models import Episode


def _shown(code: str, chosen: PlacementSettings | None) -> str:
    if chosen is None or chosen.edition_reports != PlacementSettings.Edition.FOURTH:
        return f"{code} (3rd edition)"
    fourth = asam4.fourth_level(code, confirmed_fourth_mapping(chosen))
    level = fourth.code or f"no direct match for {code}"
    return f"{level} (4th edition{'' if fourth.confirmed else ', unconfirmed mapping'})"


def levels_by_episode(episodes: Sequence[Episode]) -> dict[int, str]:
    """The decided level of each episode's evaluation, by episode id, in two queries."""
    programs = {episode.facility.program_id for episode in episodes}
    chosen = {s.program_id: s for s in PlacementSettings.objects.filter(program_id__in=programs)}
    rows = (
        Evaluation.objects.filter(episode__in=[e.pk for e in episodes])
        .exclude(chosen_level="")
        .order_by("created_at")
        .values_list("episode_id", "chosen_level", "facility__program_id")
    )
    return {episode: _shown(code, chosen.get(program)) for episode, code, program in rows}
