import pytest

from shared.json_logs import mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("whatsapp:+15551234567", "whatsapp:+15******567"),
        ("+34612345678", "+34******678"),
        ("15551234567", "15******567"),
        ("whatsapp:US.13491208655302741918", "whatsapp:US.13***************918"),
    ],
)
def test_phone_numbers_keep_only_prefix_and_last_digits(raw, masked):
    assert mask_phone(raw) == masked


def test_text_without_numbers_is_unchanged():
    assert mask_phone("hello world 42") == "hello world 42"
