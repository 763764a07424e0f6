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


def test_the_sidecars_own_requests_leave_no_access_line_but_webhooks_and_failures_do(capsys):
    import logging

    import uvicorn

    from shared.json_logs import configure_logging

    # An earlier in-process server (tests/servers.py) leaves uvicorn's loggers at its level.
    uvicorn.Config(app="unused:app", log_level="warning")
    configure_logging("message")
    access = logging.getLogger("uvicorn.access")
    line = '%s - "%s %s HTTP/%s" %d'
    access.info(line, "127.0.0.1:1", "POST", "/events/whatsapp.inbound", "1.1", 200)
    access.info(line, "127.0.0.1:1", "GET", "/health", "1.1", 200)
    access.info(line, "127.0.0.1:1", "POST", "/SmsReceived", "1.1", 200)
    access.info(line, "127.0.0.1:1", "POST", "/events/photo.checked", "1.1", 500)
    logged = capsys.readouterr().out
    assert "/SmsReceived" in logged
    assert "/events/photo.checked" in logged
    assert "whatsapp.inbound" not in logged
    assert "/health" not in logged
