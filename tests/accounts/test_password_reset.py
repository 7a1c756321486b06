"""Password reset by e-mail link and password change, through Django's mail framework."""

from __future__ import annotations

import re
import socket
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from factories import PASSWORD

RESET = reverse("accounts:password_reset")
NEW = "a much longer new password 42"


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def link_in(body: str) -> str:
    found = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body)
    assert found, body
    return found.group(1)


def test_it_mails_a_link_that_sets_a_new_password(unit, client):
    unit.nurse.email = "nurse@example.org"
    unit.nurse.save()
    response = client.post(RESET, {"email": "nurse@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nurse@example.org"]
    page = client.get(link_in(mail.outbox[0].body), follow=True)
    assert page.status_code == 200 and "Choose a new password" in page.content.decode()
    done = client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    unit.nurse.refresh_from_db()
    assert unit.nurse.check_password(NEW)
    assert AuditEvent.objects.filter(event="auth.password_reset", actor=unit.nurse).exists()


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(unit, client):
    response = client.post(RESET, {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_signed_in_user_changes_the_password_after_giving_the_old_one(unit, client):
    client.force_login(unit.nurse)
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "x", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
    assert AuditEvent.objects.filter(event="auth.password_check_failed", actor=unit.nurse).exists()
    ok = client.post(url, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert ok["Location"] == reverse("accounts:password_change_done")
    assert AuditEvent.objects.filter(event="auth.password_changed", actor=unit.nurse).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_sends_the_reset_mail_through_a_real_smtp_server(unit, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    server = Controller(Keep(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.DEFAULT_FROM_EMAIL = "desk@example.org"
        unit.nurse.email = "nurse@example.org"
        unit.nurse.save()
        Client().post(RESET, {"email": "nurse@example.org"})
        for _ in range(50):  # the server hands the message over on its own thread
            if received:
                break
            time.sleep(0.05)
    finally:
        server.stop()
    assert len(received) == 1
    assert received[0]["To"] == "nurse@example.org"
    assert received[0]["From"] == "desk@example.org"
    assert "/accounts/password/reset/" in received[0].get_payload()


def test_a_mail_server_that_does_not_answer_gives_the_same_page_not_an_error(unit, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    unit.nurse.email = "nurse@example.org"
    unit.nurse.save()
    response = Client().post(RESET, {"email": "nurse@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
