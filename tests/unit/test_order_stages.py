from datetime import UTC, datetime, timedelta

import pytest

from services.maintenance.domain.orders import STAGES, StuckRules, stage_of, why_stuck

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
RULES = StuckRules()


def test_later_stages_outrank_earlier_ones_whatever_order_the_events_come_in():
    ranks = [STAGES[t][0] for t in ("checkout.requested", "payment.completed", "tune.started")]
    assert ranks == sorted(ranks)
    assert STAGES["order.completed"][0] > STAGES["images.ready"][0]
    assert stage_of("payment.refunded", partial_refund=True) == (0, None)
    assert stage_of("payment.refunded") == STAGES["payment.refunded"]


def stuck(stage, minutes_ago, eta_in=None, images=None, expected=None, refunded=False):
    eta = NOW + timedelta(minutes=eta_in) if eta_in is not None else None
    return why_stuck(
        stage=stage,
        stage_at=NOW - timedelta(minutes=minutes_ago),
        eta=eta,
        images=images,
        expected=expected,
        refunded=refunded,
        now=NOW,
        rules=RULES,
    )


@pytest.mark.parametrize(
    ("args", "stuck_because"),
    [
        (("paid", 5), None),
        (("paid", 11), "paid, and no training started after 10 minutes"),
        (("training", 60, 10), None),  # Astria said 10 more minutes
        (("training", 60, -31), "training, more than 30 minutes past its ETA"),
        (("training", 31), "training, more than 30 minutes past its ETA"),  # no ETA given
        (("delivering", 31), "portraits not all delivered after 30 minutes"),
        (("delivered", 600, None, 8, 8), None),
        (("delivered", 1, None, 4, 8), None),  # the unmade share's refund is on its way
        (
            ("delivered", 31, None, 4, 8),
            "delivered 4 of the pack's 8 portraits, and nothing refunded after 30 minutes",
        ),
        (("delivered", 600, None, 4, 8, True), None),  # refunded: settled
        (("refunded", 10_000), None),
        (("expired", 10_000), None),
    ],
)
def test_when_an_order_counts_as_stuck(args, stuck_because):
    assert stuck(*args) == stuck_because


def test_an_event_happened_when_its_publisher_stamped_it_never_later_than_now():
    from datetime import UTC, datetime, timedelta

    from services.maintenance.domain.orders import happened_at

    now = datetime(2026, 12, 7, 12, 0, 5, tzinfo=UTC)
    assert happened_at("2026-12-07T12:00:01Z", now) == now - timedelta(seconds=4)
    assert happened_at("2026-12-07T13:00:00+01:00", now) == now - timedelta(seconds=5)
    assert happened_at("2026-12-07T12:09:00Z", now) == now  # a clock ahead of ours
    for unreadable in (None, "", "yesterday", "2026-12-07T12:00:01"):  # the last: no zone
        assert happened_at(unreadable, now) == now
