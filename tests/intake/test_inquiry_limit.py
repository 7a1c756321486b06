"""Limits that hold in production: the public inquiry limit in the shared cache."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from detoxdesk.intake.models import Inquiry

URL = reverse("public:get_help")
VALID = {
    "overdose_now": "no",
    "thinking_of_suicide": "no",
    "for_whom": "self",
    "given_name": "Alex",
    "phone": "555 0123",
    "contact_method": "phone",
}


def submit(client: Client, **more: str):
    return client.post(URL, {**VALID, **more})


@override_settings(INQUIRY_RATE_LIMIT=2)
def test_it_counts_only_accepted_inquiries(unit, client):
    for _ in range(5):  # typos: the name is missing
        assert submit(client, given_name="").status_code == 200
    assert submit(client).status_code == 302
    assert submit(client).status_code == 302
    assert Inquiry.objects.count() == 2


@pytest.mark.now(datetime(2026, 3, 2, 15, 20, tzinfo=UTC), tick=False)
@override_settings(INQUIRY_RATE_LIMIT=1, INQUIRY_RATE_WINDOW_SECONDS=3600)
def test_it_refuses_past_the_limit_with_retry_after_and_the_crisis_numbers(unit, client, clock):
    assert submit(client).status_code == 302
    refused = submit(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(40 * 60)  # the hour's window ends at 16:00 UTC
    html = refused.content.decode()
    for number in ("988", "1-800-662-4357", "911"):
        assert number in html
    assert "40 minutes" in html
    clock.shift(timedelta(minutes=40))
    assert submit(client).status_code == 302


@override_settings(INQUIRY_RATE_LIMIT=1)
def test_it_keeps_the_count_in_the_database_cache_every_worker_shares(unit, client, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    submit(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM detoxdesk_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("rl:inquiry:" in key for key in keys)
    assert not any("127.0.0.1" in key for key in keys)  # a hash, never the address


@override_settings(
    INQUIRY_RATE_LIMIT=1, TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=1
)
def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(unit):
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    first = proxy.post(URL, VALID, HTTP_X_FORWARDED_FOR="192.0.2.10")
    second = proxy.post(URL, VALID, HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert first.status_code == second.status_code == 302
    # A visitor cannot escape the limit by writing their own header: the proxy's entry counts.
    forged = proxy.post(URL, VALID, HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10")
    assert forged.status_code == 429


def test_security_it_refuses_a_200000_character_message_with_a_field_error(unit, client):
    response = submit(client, message="x" * 200_000)
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert "at most" in str(response.context["form"].errors["message"])
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("field", ["caller_name", "given_name", "contact_time", "website", "phone"])
def test_every_anonymous_text_field_has_a_cap(unit, field):
    from detoxdesk.intake.forms import InquiryForm

    assert InquiryForm().fields[field].max_length


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@override_settings(INQUIRY_RATE_LIMIT=1)
def test_with_redis_url_the_limit_lives_in_redis(unit, client, settings):
    if not _redis_answers() and os.environ.get("CI") != "true" and not os.environ.get("REDIS_URL"):
        pytest.skip("Redis does not answer on 127.0.0.1:6379 (CI requires it).")
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url(),
            "KEY_PREFIX": "detoxdesk-test",
        }
    }
    server = redis.Redis.from_url(_redis_url())
    for key in server.scan_iter("detoxdesk-test:*"):
        server.delete(key)
    try:
        assert submit(client).status_code == 302
        assert submit(client).status_code == 429
        assert any(b"rl:inquiry:" in key for key in server.scan_iter("detoxdesk-test:*"))
    finally:
        for key in server.scan_iter("detoxdesk-test:*"):
            server.delete(key)
