"""The journeys every other profile and runtime runs again: a module for one imports these
(and whatever it adds), and pytest collects them there, on its own stack."""

from tests.e2e.test_conversation import (
    astria_knobs,
    test_the_whole_journey_from_hi_to_the_portraits,
    test_two_photos_sent_at_the_same_instant_are_both_counted,
)
from tests.e2e.test_maintenance import (
    test_a_poison_message_is_dead_lettered_at_once_and_a_failed_replay_stays_visible,
    test_a_transient_failure_is_retried_until_it_succeeds_never_dead_lettered,
)
from tests.e2e.test_payment import (
    test_paid_once_although_stripe_delivers_three_times_then_refunded,
)

__all__ = [
    "astria_knobs",
    "test_a_poison_message_is_dead_lettered_at_once_and_a_failed_replay_stays_visible",
    "test_a_transient_failure_is_retried_until_it_succeeds_never_dead_lettered",
    "test_paid_once_although_stripe_delivers_three_times_then_refunded",
    "test_the_whole_journey_from_hi_to_the_portraits",
    "test_two_photos_sent_at_the_same_instant_are_both_counted",
]
