"""Training on payment.completed: real SQLite, fake Astria and blobs, recorded events."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from services.image.adapters.records import SqlImages
from services.image.handlers import (
    handle_payment_completed,
    handle_prompt_settled,
    handle_reconcile,
    handle_user_erased,
    prompts_reported,
)
from services.image.ports import (
    AstriaRefused,
    AstriaTimedOut,
    ImagePorts,
    Links,
    NewPhoto,
    Traces,
)
from shared.db import make_engine
from shared.errors import Transient
from shared.events.base import EventMeta
from shared.events.maintenance import ReconcileRequested
from shared.events.message import UserErased
from shared.events.topics import Topic
from shared.injection import call
from shared.packs import load_catalogue
from tests.fakes import (
    FakeAstriaPacks,
    MemoryBlobs,
    PictureDownloads,
    RecordingPublisher,
    payment_completed,
)
from tests.imagery import encode, photo

USER = "whatsapp:+15551234567"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


class FakeAstria:
    def __init__(self):
        self.created = []
        self.deleted = []
        self.fail_with = None
        self.existing = None
        self.restyles = []
        self.gone = set()  # tunes Astria no longer has

    def create_pack_tune(self, tune):
        self.created.append(tune)
        if self.fail_with:
            raise self.fail_with
        return {"id": 4242, "title": tune.title, "eta": (NOW + timedelta(minutes=20)).isoformat()}

    def find_tune(self, title):
        return self.existing

    def get_tune(self, tune_id):
        if tune_id in self.gone:
            raise AstriaRefused("404: Not found")
        return {"id": int(tune_id), "trained_at": NOW.isoformat()}

    def prompts(self, tune_id):
        made = [
            {"id": 1, "images": [f"https://img/1/{i}.jpg" for i in range(4)]},
            {"id": 2, "images": [f"https://img/2/{i}.jpg" for i in range(4)]},
        ]
        later = NOW.isoformat()  # the re-style's prompts: made when it was (the clock stands)
        for n, _ in enumerate(self.restyles, 1):  # each re-style's prompts, made later
            made += [
                {"id": 10 * n + k, "created_at": later, "images": [f"https://img/r{n}/{k}.jpg"]}
                for k in range(8)
            ]
        earlier = (NOW - timedelta(days=1)).isoformat()  # the first order's, a day before
        return [{"created_at": earlier, **p} for p in made]

    def run_pack_on_tune(self, pack_id, tune_id, prompt_callback):
        self.restyles.append((pack_id, tune_id, prompt_callback))

    def delete_tune(self, tune_id):
        self.deleted.append(tune_id)

    def pack(self, pack_id):
        return {"id": pack_id, "cover_url": None}


PORTRAIT = encode(photo(64, 80, face=False))


class ForgettingMedia(PictureDownloads):
    """Astria's images download as PORTRAIT; erasure reaches the provider's media."""

    def __init__(self):
        super().__init__(picture=PORTRAIT)
        self.forgotten = []
        self.fail = False

    def forget(self, channel, reference):
        if self.fail:
            raise Transient("twilio answered 503 to a media DELETE")
        self.forgotten.append((channel, reference))
        return True


@pytest.fixture
def deps(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'image.db'}", lambda: NOW)
    records = SqlImages(engine)
    blobs = MemoryBlobs()
    for i in range(3):
        name = f"photos/u/{i}.jpg"
        blobs[name] = f"jpeg {i}".encode()
        records.add_photo(
            NewPhoto(
                user_address=USER, message_id=f"MM{i}", media_index=0, accepted=True, blob_name=name
            )
        )
    records.add_photo(
        NewPhoto(
            user_address=USER,
            message_id="MMbad",
            media_index=0,
            accepted=False,
            reason="too_small",
            channel="twilio",
            media_reference="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbad/Media/ME1",
        )
    )
    yield ImagePorts(
        publisher=RecordingPublisher(),
        records=records,
        blobs=blobs,
        media=cast(Any, ForgettingMedia()),
        astria=FakeAstria(),
        catalogue=load_catalogue(),
        astria_packs=FakeAstriaPacks(),
        callback_base="https://img.example",
        links=Links("https://img.example", "test-link-key"),
        astria_branch="fast",
        clock=lambda: NOW,
    )
    engine.dispose()


PAID = payment_completed("ord_9", USER)
META = EventMeta(id="payment.completed-ord_9", topic=Topic.PAYMENT_COMPLETED)


def topics(deps):
    return [(t, i) for t, _, i in deps.publisher.published]


def test_a_paid_order_trains_a_pack_tune_with_the_accepted_photos(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    [tune] = deps.astria.created
    assert (tune.pack_id, tune.title, tune.name, tune.branch) == (260, "ord_9", "woman", "fast")
    assert [data for _, data in tune.images] == [b"jpeg 0", b"jpeg 1", b"jpeg 2"]
    token = deps.records.training("ord_9").token
    assert tune.callback == f"https://img.example/pack-tune-received?order_id=ord_9&token={token}"
    assert (
        tune.prompt_callback
        == tune.prompts_callback
        == f"https://img.example/update-images?order_id=ord_9&token={token}"
    )
    [(topic, started, key)] = deps.publisher.published
    assert (topic, key, started.tune_id, started.eta_minutes) == (
        Topic.TUNE_STARTED,
        "tune.started-ord_9",
        "4242",
        20,
    )


@pytest.mark.parametrize(("subject", "expected"), [("woman", 35), ("man", 28)])
def test_an_order_expects_what_astrias_pack_makes_of_its_subject(deps, subject, expected):
    call(handle_payment_completed, deps, PAID.model_copy(update={"subject": subject}), meta=META)
    assert deps.records.training("ord_9").expected_images == expected


def test_an_order_waits_while_astria_cannot_say_what_its_pack_makes(deps):
    deps.astria_packs.down = True
    with pytest.raises(Transient):
        call(handle_payment_completed, deps, PAID, meta=META)
    assert deps.records.training("ord_9") is None  # nothing recorded: the retry decides
    assert deps.astria.created == []
    deps.astria_packs.down = False
    call(handle_payment_completed, deps, PAID, meta=META)
    assert deps.records.training("ord_9").expected_images == 35


def test_an_order_for_a_subject_astrias_pack_does_not_make_fails_and_is_refunded(deps):
    deps.astria_packs.images_by_pack = {"corporate": {"man": 28}}
    call(handle_payment_completed, deps, PAID, meta=META)
    assert deps.astria.created == []
    assert [t for t, _ in topics(deps)] == [Topic.TUNE_FAILED]
    assert "makes no 'woman'" in deps.records.training("ord_9").failure


def test_a_redelivered_payment_does_not_train_twice(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    call(handle_payment_completed, deps, PAID, meta=META)
    assert len(deps.astria.created) == 1
    assert topics(deps) == [(Topic.TUNE_STARTED, "tune.started-ord_9")]  # announced once


def test_a_submission_whose_announcement_failed_is_announced_by_the_retry(deps):
    deps.publisher.fail = True
    with pytest.raises(Transient):
        call(handle_payment_completed, deps, PAID, meta=META)  # the tune exists; the broker is down
    deps.publisher.fail = False
    call(handle_payment_completed, deps, PAID, meta=META)  # Dapr's retry: no second tune
    assert len(deps.astria.created) == 1
    assert topics(deps) == [(Topic.TUNE_STARTED, "tune.started-ord_9")]


def test_a_refused_tune_is_announced_as_failed_even_after_a_broker_failure(deps):
    deps.astria.fail_with = AstriaRefused('{"name": ["is not supported"]}')
    deps.publisher.fail = True
    with pytest.raises(Transient):
        call(handle_payment_completed, deps, PAID, meta=META)
    deps.publisher.fail = False
    call(handle_payment_completed, deps, PAID, meta=META)
    assert topics(deps) == [(Topic.TUNE_FAILED, "tune.failed-ord_9")]  # so it is refunded


def test_a_422_fails_the_tune_without_retrying(deps):
    deps.astria.fail_with = AstriaRefused('{"name": ["is not supported by this pack"]}')
    call(handle_payment_completed, deps, PAID, meta=META)
    call(handle_payment_completed, deps, PAID, meta=META)
    assert len(deps.astria.created) == 1
    assert topics(deps) == [(Topic.TUNE_FAILED, "tune.failed-ord_9")]
    assert "not supported" in deps.publisher.published[0][1].reason


def test_after_a_504_the_tune_is_looked_up_by_title_before_any_new_create(deps):
    deps.astria.fail_with = AstriaTimedOut("/p/260/tunes")
    deps.astria.existing = {"id": 5151, "title": "ord_9"}
    call(handle_payment_completed, deps, PAID, meta=META)
    assert deps.records.training("ord_9").tune_id == "5151"
    assert topics(deps) == [(Topic.TUNE_STARTED, "tune.started-ord_9")]


def test_a_504_with_nothing_found_and_a_5xx_are_retried(deps):
    deps.astria.fail_with = AstriaTimedOut("/p/260/tunes")
    with pytest.raises(AstriaTimedOut):
        call(handle_payment_completed, deps, PAID, meta=META)
    deps.astria.fail_with = Transient("astria answered 503")
    with pytest.raises(Transient):
        call(handle_payment_completed, deps, PAID, meta=META)
    deps.astria.fail_with = None
    call(handle_payment_completed, deps, PAID, meta=META)  # Dapr's retry
    assert topics(deps) == [(Topic.TUNE_STARTED, "tune.started-ord_9")]


def test_reconcile_publishes_what_lost_callbacks_would_have_once(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    request = ReconcileRequested(requested_at=NOW + timedelta(hours=1), overdue_after_minutes=10)
    call(handle_reconcile, deps, request, meta=EventMeta(id="r1", topic="t"))
    call(
        handle_reconcile, deps, request, meta=EventMeta(id="r2", topic="t")
    )  # the next tick: nothing new
    # The tick keeps the portraits itself: a prompt.settled lost or given up on changes
    # nothing, and one heard later finds them kept.
    assert topics(deps) == [
        (Topic.TUNE_STARTED, "tune.started-ord_9"),
        (Topic.TUNE_TRAINED, "tune.trained-ord_9"),
        (Topic.PROMPT_SETTLED, "prompt.settled-ord_9-1"),
        (Topic.PROMPT_SETTLED, "prompt.settled-ord_9-2"),
        (Topic.IMAGES_READY, "images.ready-ord_9-1"),
        (Topic.IMAGES_READY, "images.ready-ord_9-2"),
        (Topic.ORDER_COMPLETED, "order.completed-ord_9"),
    ]
    first, last = [e for t, e, _ in deps.publisher.published if t == Topic.IMAGES_READY]
    assert last.complete is True
    # What the person gets is our copies, by links that expire: Astria's URLs stay here.
    assert deps.media.asked == [f"https://img/{p}/{i}.jpg" for p in (1, 2) for i in range(4)]
    assert all(url.startswith("https://img.example/portraits/") for url in first.image_urls)
    assert "expires=" in first.image_urls[0]
    assert last.gallery_url.startswith("https://img.example/gallery/ord_9?")
    settled = next(e for t, e, _ in deps.publisher.published if t == Topic.PROMPT_SETTLED)
    call(handle_prompt_settled, deps, settled, meta=EventMeta(id="ps", topic="t"))
    assert len(topics(deps)) == 7
    kept = sorted(name for name in deps.blobs if name.startswith("portraits/"))
    assert len(kept) == 8
    assert all(deps.blobs[name] == PORTRAIT for name in kept)


def test_reconcile_leaves_orders_that_are_not_overdue(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    request = ReconcileRequested(requested_at=NOW, overdue_after_minutes=60)
    call(handle_reconcile, deps, request, meta=EventMeta(id="r1", topic="t"))
    assert topics(deps) == [(Topic.TUNE_STARTED, "tune.started-ord_9")]


def test_an_order_trains_only_from_the_photo_set_it_was_chosen_with(deps):
    # After RESTART the person sent two new photos: set 2.
    for i in range(2):
        name = f"photos/u/new-{i}.jpg"
        deps.blobs[name] = f"new jpeg {i}".encode()
        deps.records.add_photo(
            NewPhoto(
                user_address=USER,
                message_id=f"MMnew{i}",
                media_index=0,
                accepted=True,
                blob_name=name,
                photo_set=2,
            )
        )
    call(handle_payment_completed, deps, PAID.model_copy(update={"photo_set": 2}), meta=META)
    [tune] = deps.astria.created
    assert [data for _, data in tune.images] == [b"new jpeg 0", b"new jpeg 1"]
    assert deps.records.training("ord_9").photo_set == 2


def test_photos_and_duplicates_are_per_photo_set(deps):
    fresh = deps.records.add_photo(
        NewPhoto(
            user_address=USER,
            message_id="MMnew",
            media_index=0,
            accepted=True,
            fingerprint="00000000000000ff",
            photo_set=2,
        )
    )
    assert [p.id for p in deps.records.accepted_photos(USER, 2)] == [fresh.id]  # set 1 aside
    assert deps.records.fingerprints(USER, 2) == (0xFF,)
    assert deps.records.fingerprints(USER, 3) == ()


def test_erasure_deletes_the_providers_copies_then_ours_and_reports_each(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    request = ReconcileRequested(requested_at=NOW + timedelta(hours=1), overdue_after_minutes=10)
    call(handle_reconcile, deps, request, meta=EventMeta(id="r1", topic="t"))  # 8 portraits kept
    erased = UserErased(user=USER)
    deps.media.fail = True  # Twilio is down: nothing is deleted, so the retry finds it all
    with pytest.raises(Transient):
        call(handle_user_erased, deps, erased, meta=EventMeta(id="e1", topic=Topic.USER_ERASED))
    assert deps.records.training("ord_9") is not None
    deps.media.fail = False
    call(handle_user_erased, deps, erased, meta=EventMeta(id="e1", topic=Topic.USER_ERASED))
    assert deps.media.forgotten == [
        ("twilio", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbad/Media/ME1")
    ]
    assert deps.astria.deleted == ["4242"]
    assert dict(deps.blobs) == {}
    assert deps.records.training("ord_9") is None
    assert deps.records.traces_of(USER) == Traces(blobs=[], media=[], tunes=[])
    [(_, report, _)] = [p for p in deps.publisher.published if p[0] == Topic.MAINTENANCE_REPORT]
    assert report.counts == {
        "photos": 3,
        "portrait_files": 8,
        "provider_media": 1,
        "astria_tunes": 1,
    }


RESTYLE = payment_completed("ord_10", USER, amount_minor=499, restyle_of="ord_9")
RESTYLE_META = EventMeta(id="payment.completed-ord_10", topic=Topic.PAYMENT_COMPLETED)


def trained_then_restyled(deps, restyle=RESTYLE):
    call(handle_payment_completed, deps, PAID, meta=META)  # ord_9 trains tune 4242
    call(handle_payment_completed, deps, restyle, meta=RESTYLE_META)
    call(handle_payment_completed, deps, restyle, meta=RESTYLE_META)  # redelivered


def test_a_restyle_runs_the_pack_on_the_trained_tune_once_without_training(deps):
    trained_then_restyled(deps)
    assert len(deps.astria.created) == 1  # ord_9's tune; none for the re-style
    [(pack_id, tune_id, callback)] = deps.astria.restyles
    assert (pack_id, tune_id) == (260, "4242")
    assert "/update-images?order_id=ord_10&token=" in callback
    training = deps.records.training("ord_10")
    assert (training.tune_id, training.status, training.restyle_of) == ("4242", "trained", "ord_9")
    # Its prompts, not ord_9's, are its portraits when the reconcile tick reads the tune.
    request = ReconcileRequested(requested_at=NOW + timedelta(days=2), overdue_after_minutes=10)
    call(handle_reconcile, deps, request, meta=EventMeta(id="r1", topic="t"))
    ready = [e for t, e, _ in deps.publisher.published if t == Topic.IMAGES_READY]
    mine = [e for e in ready if e.order_id == "ord_10"]
    assert len(mine) == 8
    assert sum(len(e.image_urls) for e in mine) == 8
    assert [e.complete for e in mine] == [False] * 7 + [True]
    assert deps.media.asked[-8:] == [f"https://img/r1/{k}.jpg" for k in range(8)]


def test_erasing_after_a_restyle_deletes_the_shared_tune_once(deps):
    trained_then_restyled(deps)
    assert deps.records.traces_of(USER).tunes == ["4242"]  # ord_9's, which ord_10 ran on
    erased = UserErased(user=USER)
    call(handle_user_erased, deps, erased, meta=EventMeta(id="e1", topic=Topic.USER_ERASED))
    assert deps.astria.deleted == ["4242"]
    [(_, report, _)] = [p for p in deps.publisher.published if p[0] == Topic.MAINTENANCE_REPORT]
    assert report.counts["astria_tunes"] == 1


def test_a_restyle_whose_tune_is_gone_trains_anew_from_the_photos(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    deps.astria.gone.add("4242")
    call(handle_payment_completed, deps, RESTYLE, meta=RESTYLE_META)
    assert deps.astria.restyles == []
    assert [t.title for t in deps.astria.created] == ["ord_9", "ord_10"]


def test_a_restyle_of_someone_elses_order_uses_nothing_of_theirs(deps):
    other = RESTYLE.model_copy(update={"user": "whatsapp:+15559999999"})
    trained_then_restyled(deps, other)
    assert deps.astria.restyles == []


def test_portraits_kept_while_an_erasure_runs_go_with_it(deps):
    call(handle_payment_completed, deps, PAID, meta=META)
    training = deps.records.training("ord_9")
    made = {"id": 1, "images": [f"https://img/1/{i}.jpg" for i in range(4)]}
    call(prompts_reported, deps, training, [made], all_done=False)  # not kept yet
    [settled] = [e for t, e, _ in deps.publisher.published if t == Topic.PROMPT_SETTLED]

    def kept_while_astria_deletes(tune_id):
        call(handle_prompt_settled, deps, settled, meta=EventMeta(id="ps-1", topic="t"))
        FakeAstria.delete_tune(deps.astria, tune_id)

    deps.astria.delete_tune = kept_while_astria_deletes
    call(handle_user_erased, deps, UserErased(user=USER), meta=EventMeta(id="e1", topic="t"))
    assert len(deps.media.asked) == 4  # they were kept, after the erasure looked
    assert dict(deps.blobs) == {}
    [(_, report, _)] = [p for p in deps.publisher.published if p[0] == Topic.MAINTENANCE_REPORT]
    assert report.counts["portrait_files"] == 4
