import string

import pytest

from services.message.domain import texts
from services.message.domain.language import Language


def placeholders(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogues_have_the_same_keys():
    assert texts.EN.keys() == texts.ES.keys()


@pytest.mark.parametrize("key", sorted(texts.EN))
def test_translations_use_the_same_placeholders(key):
    assert placeholders(texts.EN[key]) == placeholders(texts.ES[key])


@pytest.mark.parametrize("language", list(Language))
def test_every_lookup_table_is_complete(language):
    assert texts.SUBJECTS[language].keys() == texts.SUBJECT_WORDS.keys()
    assert texts.REJECTIONS[language].keys() == texts.REJECTIONS[Language.EN].keys()
    assert texts.MEDIA[language].keys() == texts.MEDIA[Language.EN].keys()


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
