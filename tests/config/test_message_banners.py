"""The banners after an action: a refusal looks like an error and is announced at once."""

from __future__ import annotations

import re

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string


def banners(*messages: Message) -> list[str]:
    html = render_to_string(
        "base.html",
        {"messages": list(messages), "DEFAULT_MESSAGE_LEVELS": constants.DEFAULT_LEVELS},
    )
    return re.findall(r'<p class="message[^"]*"[^>]*>.*?</p>', html, re.S)


def test_it_shows_an_error_as_an_error_announced_at_once() -> None:
    [banner] = banners(Message(constants.ERROR, "The plan cannot be signed."))
    assert 'class="message error"' in banner
    assert 'role="alert"' in banner
    assert ">Error:</strong> The plan cannot be signed." in banner


def test_it_shows_a_success_as_a_status_without_the_word_error() -> None:
    [banner] = banners(Message(constants.SUCCESS, "Treatment plan signed."))
    assert 'class="message success"' in banner and 'role="status"' in banner
    assert "Error" not in banner and 'role="alert"' not in banner


def test_it_gives_each_message_its_own_role() -> None:
    shown = banners(
        Message(constants.SUCCESS, "Saved."),
        Message(constants.ERROR, "Not signed."),
    )
    assert ['role="status"' in shown[0], 'role="alert"' in shown[1]] == [True, True]
