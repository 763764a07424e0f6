import string

import pytest

from services.message.domain import texts
from services.message.domain.language import Language
from shared.events.image import PhotoRefusal


def placeholders(text):
    forms = [text.one, text.other] if isinstance(text, texts.Plural) else [text]
    return [{name for _, name, _, _ in string.Formatter().parse(f) if name} for f in forms]


def test_both_catalogues_have_the_same_keys():
    assert texts.EN.keys() == texts.ES.keys()


@pytest.mark.parametrize("key", sorted(texts.EN))
def test_translations_use_the_same_placeholders(key):
    assert placeholders(texts.EN[key]) == placeholders(texts.ES[key])


@pytest.mark.parametrize("language", list(Language))
def test_every_lookup_table_is_complete(language):
    assert texts.SUBJECTS[language].keys() == texts.SUBJECT_WORDS.keys()
    # Words for every code photo.checked may carry (shared/events/image.py), and a default.
    assert texts.REJECTIONS[language].keys() == {*PhotoRefusal, "default"}
    assert texts.MEDIA[language].keys() == texts.MEDIA[Language.EN].keys()


@pytest.mark.parametrize(
    ("language", "count", "said"),
    [
        (Language.EN, 1, "I'm still checking 1 photo —"),
        (Language.EN, 0, "I'm still checking 0 photos —"),
        (Language.EN, 2, "I'm still checking 2 photos —"),
        (Language.ES, 1, "Todavía estoy revisando 1 foto;"),
        (Language.ES, 3, "Todavía estoy revisando 3 fotos;"),
        (Language.ES, 1_000_000, "Todavía estoy revisando 1000000 fotos;"),  # Spanish "many"
    ],
)
def test_words_follow_the_number_by_each_languages_plural_rules(language, count, said):
    assert texts.render(language, "photos_still_checking", pending=count).startswith(said)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("minutes", [1, 30])
def test_no_sentence_counts_one_minute_as_minutes(language, minutes):
    link = texts.render(language, "payment_link", title="Pets", price="$9.99", minutes=minutes)
    assert (f"{minutes} minutes" in link or f"{minutes} minutos" in link) is (minutes != 1)


def test_no_text_hedges_its_plural():
    for catalogue in texts.CATALOGUES.values():
        for text in catalogue.values():
            forms = [text.one, text.other] if isinstance(text, texts.Plural) else [text]
            assert not any("(s)" in form for form in forms), forms


def test_an_unknown_rejection_reason_still_reads_well():
    assert texts.rejection(Language.ES, "cosmic_rays") == texts.REJECTIONS[Language.ES]["default"]


def test_short_messages_are_left_alone():
    assert texts.split_message("hello\n\nworld") == ["hello\n\nworld"]


def test_long_messages_are_split_on_paragraphs_within_the_limit():
    paragraph = ("word " * 100).strip()
    text = "\n\n".join([paragraph] * 8)
    parts = texts.split_message(text, limit=1600)
    assert all(len(p) <= 1600 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(p.endswith("word") for p in parts)


def test_a_text_without_spaces_is_cut_hard():
    parts = texts.split_message("x" * 4000, limit=1600)
    assert [len(p) for p in parts] == [1600, 1600, 800]
