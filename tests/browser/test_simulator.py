"""The whole journey through the sandbox's chat page, in a real browser, as a person sees it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.e2e.people import PORTRAITS

pytestmark = pytest.mark.browser


def say(page: Page, text: str) -> None:
    page.get_by_test_id("text").fill(text)
    page.get_by_test_id("send").click()


def bot_says(page: Page, text: str, timeout: float = 30_000) -> None:
    expect(page.get_by_test_id("message-out").filter(has_text=text).last).to_be_visible(
        timeout=timeout
    )


def tap(page: Page, kind: str, title: str) -> None:
    """Tap the newest reply button with this title."""
    page.get_by_test_id(kind).filter(has_text=title).last.click()


def pick(page: Page, opener: str, row: str) -> None:
    """Open the newest list and tap one of its rows."""
    tap(page, "list-open", opener)
    sheet = page.get_by_test_id("list-sheet")
    expect(sheet).to_be_visible()
    sheet.get_by_test_id("list-row").filter(has_text=row).click()
    expect(sheet).to_be_hidden()


@pytest.mark.parametrize(
    ("channel", "phone"), [("twilio", "+15557770001"), ("meta", "+15557770002")]
)
def test_a_person_finishes_the_journey_in_the_chat_page_by_tapping(stack, page, channel, phone):
    page.goto(stack["sandbox"].url + "/")
    page.get_by_test_id("phone").fill(phone)
    page.get_by_test_id("name").fill("Browser Tester")
    page.get_by_test_id("channel").select_option(channel)
    page.get_by_role("button", name="Use").click()
    expect(page.locator("#who")).to_contain_text(f"{phone} on {channel}")

    say(page, "hi")  # the one thing typed: every answer after it is a tap
    bot_says(page, "Astria portrait bot")
    bot_says(page, "Before we start")
    tap(page, "reply-button", "Yes, I agree")
    bot_says(page, "Who is in the photos?")
    pick(page, "Choose", "Woman")
    bot_says(page, "Now send me")
    # ...under the picture of the packs to come, drawn by the image service.
    preview = page.get_by_test_id("message-out").filter(has_text="Now send me").last
    expect(preview.locator("img")).to_have_count(1)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bubble.out img')]"
        ".some(image => image.complete && image.naturalWidth > 0)"
    )
    preview.screenshot(path=ARTIFACTS / f"pack-preview-{channel}.png")

    # Eight sample selfies; this stack takes five, checks them and moves on to the packs,
    # in one acknowledgement for the photos sent together.
    page.get_by_test_id("samples").click()
    expect(page.get_by_test_id("message-in").locator("img")).to_have_count(8, timeout=30_000)
    bot_says(page, "5 photos accepted", timeout=60_000)
    expect(page.get_by_test_id("message-out").filter(has_text="✅")).to_have_count(1)

    pick(page, "See packs", "Corporate headshots")
    bot_says(page, "Pay securely with Stripe")
    pay = page.get_by_test_id("link-button").last
    expect(pay).to_have_text("↗ Pay $14.99")
    page.screenshot(path=ARTIFACTS / f"simulator-{channel}.png", full_page=False)
    with page.context.expect_page() as popup:
        pay.click()
    checkout = popup.value
    expect(checkout.get_by_role("heading")).to_contain_text("Corporate headshots")
    expect(checkout.locator(".amount")).to_have_text("$14.99")
    checkout.get_by_role("button", name="Pay").click()
    expect(checkout.get_by_text("Payment received")).to_be_visible()

    bot_says(page, "Payment received")
    bot_says(page, "That's all of them", timeout=90_000)
    pictures = page.get_by_test_id("message-out").locator("img")
    expect(pictures).to_have_count(1 + PORTRAITS)  # the packs' picture, then the portraits
    # Each actually rendered: the packs' picture and our copies of the portraits, all
    # served by the image service.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bubble.out img')]"
        ".every(image => image.complete && image.naturalWidth > 0)"
    )
    if channel == "twilio":  # the fake Twilio sends delivery receipts; the fake Meta does not
        expect(page.locator(".ticks", has_text="✓✓").first).to_be_visible()
    # The events panel shows the services at work.
    events = page.get_by_test_id("events")
    for topic in ("photo.checked", "payment.completed", "tune.trained", "images.ready"):
        expect(events).to_contain_text(topic)
    # The last message offers another style, as a list again.
    expect(page.get_by_test_id("message-out").last.get_by_test_id("list-open")).to_be_visible()
