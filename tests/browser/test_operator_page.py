"""The operator's page in a real browser: the token, a stuck order and its timeline, a dead
letter replayed and discarded, and the cron's runs, all from a live stack."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.e2e.test_maintenance import paid, person_with_photos
from tools import devstack

pytestmark = pytest.mark.browser


def test_an_operator_finds_the_stuck_order_reads_its_timeline_and_handles_its_dead_letter(
    stack, page: Page
):
    # A paid order whose pack does not exist: it stays "paid" (stuck at once in this stack),
    # and the image service drops the event to the dead letters.
    person = person_with_photos(stack)
    order_id = "ord_operator_page"
    paid(stack, person, order_id, pack_code="no-such-pack")

    page.goto(stack["maintenance"].url + "/operator")
    expect(page.get_by_test_id("status")).to_have_text("Type the operator token to connect.")
    page.get_by_test_id("token").fill("not-the-token")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("status")).to_have_text("the token was refused")

    token = json.loads(devstack.ensure_secrets_file().read_text())["operator-token"]
    page.get_by_test_id("token").fill(token)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("status")).to_contain_text("Connected")

    stuck = page.locator(f'[data-testid="stuck-row"][data-order="{order_id}"]')
    expect(stuck).to_be_visible(timeout=30_000)
    expect(stuck).to_contain_text("paid, and no training started")
    expect(stuck).to_contain_text("whatsapp:+15******")  # the person, masked
    expect(stuck).not_to_contain_text(person.phone)

    stuck.click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("payment.completed · from payment")

    letter = page.get_by_test_id("letter-row").filter(has_text=order_id)
    expect(letter).to_be_visible(timeout=30_000)
    expect(letter).to_contain_text("payment.completed")
    page.screenshot(path=ARTIFACTS / "operator.png", full_page=True)

    letter.get_by_test_id("replay").click()
    status = page.get_by_test_id("status")
    expect(status).to_contain_text("Dead letter replayed. · Connected")
    # It fails again, and comes back as failed with a second failure; the page refreshed
    # meanwhile, and the confirmation stays until the next action.
    expect(letter.locator("td").nth(3)).to_have_text("2", timeout=30_000)
    refreshed = status.text_content()
    expect(status).not_to_have_text(refreshed or "", timeout=10_000)
    expect(status).to_contain_text("Dead letter replayed. · Connected")

    page.once("dialog", lambda dialog: dialog.accept())
    letter.get_by_test_id("discard").click()
    expect(status).to_contain_text("Dead letter discarded. · Connected")
    expect(page.get_by_test_id("letter-row").filter(has_text=order_id)).to_have_count(0)

    # The reconcile cron ticks every two seconds here: its runs are listed.
    expect(page.get_by_test_id("run-row").filter(has_text="reconcile").first).to_be_visible(
        timeout=30_000
    )
    # The page filters orders by stage.
    page.get_by_test_id("stage").select_option("paid")
    expect(status).not_to_contain_text("Dead letter")  # the next action clears it
    expect(page.get_by_test_id("order-row").filter(has_text=order_id)).to_be_visible()
    page.get_by_test_id("stage").select_option("delivered")
    expect(page.get_by_test_id("order-row").filter(has_text=order_id)).to_have_count(0)
