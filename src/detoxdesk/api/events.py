"""Audit event names written by the JSON API (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "api_token.created": "API token created (shown once)",
    "api_token.revoked": "API token revoked",
    "api.census_viewed": "Read the census through the API",
    "api.observations_viewed": "Read an episode's recent observations through the API",
}
