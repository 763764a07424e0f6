"""The whole journey through the sandbox's chat page, in a real browser, as a person sees it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def say(page: Page, text: str) -> None:
    page.get_by_test_id("text").fill(text)
    page.get_by_test_id("send").click()


def bot_says(page: Page, text: str, timeout: float = 30_000) -> None:
    expect(page.get_by_test_id("message-out").filter(has_text=text).last).to_be_visible(
        timeout=timeout
    )


def test_a_person_finishes_the_journey_in_the_chat_page(stack, page):
    page.goto(stack["sandbox"].url + "/")
    page.get_by_test_id("phone").fill("+15557770001")
    page.get_by_test_id("name").fill("Browser Tester")
    page.get_by_role("button", name="Use").click()
    expect(page.locator("#who")).to_contain_text("+15557770001")

    say(page, "hi")
    bot_says(page, "Astria portrait bot")
    bot_says(page, "Before we start")
    say(page, "yes")
    bot_says(page, "Who is in the photos?")
    say(page, "1")
    bot_says(page, "Now send me")

    # Eight sample selfies; this stack takes five, checks them and moves on to the packs.
    page.get_by_test_id("samples").click()
    expect(page.get_by_test_id("message-in").locator("img")).to_have_count(8, timeout=30_000)
    bot_says(page, "Choose your pack", timeout=60_000)
    expect(page.get_by_test_id("message-out").filter(has_text="✅")).to_have_count(5)

    say(page, "1")
    bot_says(page, "Pay here")
    with page.context.expect_page() as popup:
        page.get_by_test_id("message-out").locator("a[href*='/stripe/checkout/']").last.click()
    checkout = popup.value
    expect(checkout.get_by_role("heading")).to_contain_text("Corporate headshots")
    expect(checkout.locator(".amount")).to_have_text("$14.99")
    checkout.get_by_role("button", name="Pay").click()
    expect(checkout.get_by_text("Payment received")).to_be_visible()

    bot_says(page, "Payment received")
    bot_says(page, "That's all of them", timeout=90_000)
    portraits = page.get_by_test_id("message-out").locator("img")
    expect(portraits).to_have_count(8)
    # Every portrait actually rendered (a real JPEG from the sandbox's Astria).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bubble.out img')]"
        ".every(image => image.complete && image.naturalWidth > 0)"
    )
    # Delivery receipts make the ticks double.
    expect(page.locator(".ticks", has_text="✓✓").first).to_be_visible()
    # The events panel shows the services at work.
    events = page.get_by_test_id("events")
    for topic in ("photo.checked", "payment.completed", "tune.trained", "images.ready"):
        expect(events).to_contain_text(topic)
    page.screenshot(path=ARTIFACTS / "simulator.png", full_page=False)
