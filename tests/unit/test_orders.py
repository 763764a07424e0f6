"""The order state machine, including every out-of-order pair of Stripe signals."""

import itertools

import pytest

from services.payment.domain.orders import Announcement, OrderStatus, Signal, apply, unmade_share

O, S = OrderStatus, Signal  # noqa: E741 - short names keep the tables readable


def run(*signals, start=O.CREATED):
    status, announced = start, []
    for signal in signals:
        transition = apply(status, signal)
        status = transition.after
        if transition.announcement:
            announced.append(transition.announcement)
    return status, announced


def test_the_plain_card_payment():
    assert run(S.SESSION_OPENED, S.COMPLETED_PAID) == (O.PAID, [Announcement.COMPLETED])


def test_a_delayed_method_pays_later():
    status, announced = run(S.SESSION_OPENED, S.COMPLETED_UNPAID)
    assert (status, announced) == (O.AWAITING_PAYMENT, [])
    assert run(S.ASYNC_SUCCEEDED, start=status) == (O.PAID, [Announcement.COMPLETED])
    assert run(S.ASYNC_FAILED, start=status) == (O.FAILED, [Announcement.FAILED])


def test_expiry_and_refund():
    assert run(S.SESSION_OPENED, S.EXPIRED) == (O.EXPIRED, [Announcement.EXPIRED])
    assert run(S.REFUNDED, start=O.PAID) == (O.REFUNDED, [Announcement.REFUNDED])


def test_duplicates_announce_once():
    status, announced = run(S.SESSION_OPENED, S.COMPLETED_PAID, S.COMPLETED_PAID, S.ASYNC_SUCCEEDED)
    assert (status, announced) == (O.PAID, [Announcement.COMPLETED])


def test_money_taken_after_an_expiry_is_honoured():
    assert run(S.SESSION_OPENED, S.EXPIRED, S.COMPLETED_PAID)[0] is O.PAID


def test_an_expiry_after_the_payment_changes_nothing():
    assert run(S.SESSION_OPENED, S.COMPLETED_PAID, S.EXPIRED) == (O.PAID, [Announcement.COMPLETED])


def test_nothing_moves_a_refunded_order():
    for signal in Signal:
        assert apply(O.REFUNDED, signal).after is O.REFUNDED


def test_a_refund_only_applies_to_a_paid_order():
    for status in OrderStatus:
        if status not in (O.PAID, O.PARTLY_REFUNDED):
            assert apply(status, S.REFUNDED).changed is False or status is O.REFUNDED
        if status is not O.PAID:
            assert apply(status, S.PARTLY_REFUNDED).changed is False


def test_a_partial_refund_is_announced_and_the_rest_can_still_be_refunded():
    partly = apply(O.PAID, S.PARTLY_REFUNDED)
    assert (partly.after, partly.announcement) == (O.PARTLY_REFUNDED, Announcement.REFUNDED)
    rest = apply(O.PARTLY_REFUNDED, S.REFUNDED)
    assert (rest.after, rest.announcement) == (O.REFUNDED, Announcement.REFUNDED)
    assert apply(O.PARTLY_REFUNDED, S.PARTLY_REFUNDED).changed is False  # ours, heard again


@pytest.mark.parametrize(
    ("amount", "expected", "delivered", "owed"),
    [
        (1499, 8, 8, 0),
        (1499, 8, 9, 0),
        (1499, 8, 4, 750),  # 749.5, rounded in the person's favour
        (1499, 8, 7, 187),  # 187.375
        (1499, 8, 0, 1499),
        (1000, 3, 1, 667),
        (9990, 8, 6, 2498),
        (1499, 0, 0, 0),
    ],
)
def test_the_unmade_share_of_the_price(amount, expected, delivered, owed):
    assert unmade_share(amount, expected, delivered) == owed


PAYMENT_SIGNALS = [
    S.COMPLETED_PAID,
    S.COMPLETED_UNPAID,
    S.ASYNC_SUCCEEDED,
    S.ASYNC_FAILED,
    S.EXPIRED,
]


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(PAYMENT_SIGNALS, 2)))
def test_every_out_of_order_pair_ends_in_a_sensible_state(first, second):
    status, announced = run(S.SESSION_OPENED, first, second)
    paid = {first, second} & {S.COMPLETED_PAID, S.ASYNC_SUCCEEDED}
    if paid:
        # Any sign of money taken wins, whatever came before or after it.
        assert status is O.PAID
        assert announced.count(Announcement.COMPLETED) == 1
    else:
        assert status in (O.AWAITING_PAYMENT, O.FAILED, O.EXPIRED)
    assert len(announced) == len(set(announced))


@pytest.mark.parametrize(("status", "signal"), list(itertools.product(OrderStatus, Signal)))
def test_every_pair_is_answered_without_error(status, signal):
    transition = apply(status, signal)
    assert transition.before is status
    assert (transition.announcement is not None) == (
        transition.changed
        and transition.after is not O.OPEN
        and transition.after is not O.AWAITING_PAYMENT
    )
