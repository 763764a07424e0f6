import pytest

from services.message.domain.commands import (
    Answer,
    Command,
    normalise,
    parse_answer,
    parse_command,
    parse_number,
)
from services.message.domain.language import Language, guess_language


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("HELP", Command.HELP),
        ("Ayúda", Command.HELP),
        ("estado", Command.STATUS),
        ("Reiniciar!", Command.RESTART),
        ("BORRAR", Command.DELETE),
        ("delete my data", Command.DELETE),
        ("stop", Command.STOP),
        ("BAJA", Command.STOP),
        ("Start", Command.START),
        ("idioma", Command.LANGUAGE),
    ],
)
def test_commands_in_both_languages_ignore_case_and_accents(typed, command):
    parsed = parse_command(typed)
    assert parsed is not None
    assert parsed[0] is command


def test_a_command_can_carry_an_argument():
    assert parse_command("LANGUAGE es") == (Command.LANGUAGE, "es")


@pytest.mark.parametrize(
    "typed", ["please help me with my photos I am confused", "stopwatch", "", "😀"]
)
def test_sentences_and_lookalikes_are_not_commands(typed):
    assert parse_command(typed) is None


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("Yes", Answer.YES),
        ("SÍ", Answer.YES),
        ("si!", Answer.YES),
        ("ok 👍", Answer.YES),
        ("No", Answer.NO),
        ("Listo", Answer.DONE),
    ],
)
def test_answers(typed, answer):
    assert parse_answer(typed) is answer


def test_numbers_from_a_list():
    assert parse_number("2", 3) == 2
    assert parse_number("#2.", 3) == 2
    assert parse_number("option 3", 3) == 3
    assert parse_number("4", 3) is None
    assert parse_number("1 or 2", 3) is None


def test_normalise_removes_accents_and_emoji():
    assert normalise("  ¡Ñandú  GRANDE! 🐦 ") == "nandu grande"


@pytest.mark.parametrize(
    ("sender", "language"),
    [
        ("whatsapp:+34612345678", Language.ES),
        ("whatsapp:+5215512345678", Language.ES),
        ("whatsapp:+593991234567", Language.ES),
        ("whatsapp:+15551234567", Language.EN),
        ("whatsapp:+447700900123", Language.EN),
        ("whatsapp:US.1349120865530274", Language.EN),
        ("34612345678", Language.ES),
        # +1 is shared: the Dominican Republic and Puerto Rico speak Spanish, the US English.
        ("whatsapp:+18095551234", Language.ES),
        ("whatsapp:+18295551234", Language.ES),
        ("whatsapp:+18495551234", Language.ES),
        ("whatsapp:+17875551234", Language.ES),
        ("whatsapp:+19395551234", Language.ES),
        ("whatsapp:+12125551234", Language.EN),
        ("whatsapp:+14165551234", Language.EN),  # Canada: English first
        ("whatsapp:+595981123456", Language.ES),  # Paraguay: Guaraní, then Spanish
        ("whatsapp:+240222123456", Language.ES),  # Equatorial Guinea
        ("whatsapp:+5511987654321", Language.EN),  # Brazil: Portuguese, not spoken here
        ("whatsapp:+12", Language.EN),
        ("", Language.EN),
    ],
)
def test_language_from_the_country_code(sender, language):
    assert guess_language(sender) is language
