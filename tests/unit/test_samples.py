from services.image.domain.photos import check
from services.sandbox import samples


def test_every_sample_selfie_passes_the_real_checks_and_none_is_a_duplicate():
    known: tuple[int, ...] = ()
    for number in range(1, samples.COUNT + 1):
        accepted = check(samples.sample(number), known=known)
        known = (*known, accepted.fingerprint)
    assert len(known) == samples.COUNT
