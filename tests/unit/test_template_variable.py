"""A template's variable as WhatsApp takes it (services/message/domain/window.py)."""

import re

from hypothesis import given
from hypothesis import strategies as st

from services.message.domain import texts
from services.message.domain.language import Language
from services.message.domain.window import TEMPLATE_VARIABLE_MAX, template_variable


@given(st.text())
def test_any_text_becomes_a_line_whatsapp_takes(text):
    line = template_variable(text)
    assert not re.search(r"[\n\t\r]| {4}", line)  # Meta #132018, Twilio 63013
    assert len(line) <= TEMPLATE_VARIABLE_MAX
    assert line == line.strip()
    assert bool(line) == bool(text.split())


def test_lines_are_joined_and_a_long_text_is_cut_at_a_word():
    assert template_variable("🎉 Ready!\n\n  Tap\tbelow.  ") == "🎉 Ready! Tap below."
    long = " ".join(["portrait"] * 100)
    cut = template_variable(long)
    assert cut.endswith("portrait…")
    assert len(cut) <= TEMPLATE_VARIABLE_MAX


def test_every_text_the_bot_may_hold_fits_as_it_is_or_cut():
    for language in Language:
        held = texts.render(language, "held_images")
        assert template_variable(held) == held  # already one short line
