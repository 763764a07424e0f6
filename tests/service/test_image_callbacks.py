"""Astria's callbacks through TestClient: real SQLite, a recording publisher."""

import json
import threading
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import sqlalchemy

from services.image.adapters.records import SqlImages
from services.image.app import create_app
from services.image.bootstrap import ImageRuntime
from services.image.domain.portraits import Copy
from services.image.handlers import handle_reconcile
from services.image.ports import ImagePorts, Links, MediaRefused, NewTraining
from shared.errors import Transient
from shared.events.topics import Topic
from shared.injection import call
from shared.packs import load_catalogue
from tests.fakes import (
    FakeAstriaPacks,
    MemoryBlobs,
    PictureDownloads,
    RecordingPublisher,
    cloudevent,
)
from tests.imagery import encode, photo
from tests.servers import in_process

USER = "whatsapp:+15551234567"


@pytest.fixture
def runtime(engine, clock):
    records = SqlImages(engine)
    records.add_training(
        NewTraining(
            order_id="ord_1",
            user_address=USER,
            pack_code="corporate",
            subject="woman",
            token="s3cret-token",
            status="training",
            tune_id="77",
            expected_images=8,
            delivered_images=0,
        )
    )
    deps = ImagePorts(
        publisher=RecordingPublisher(),
        records=records,
        blobs=MemoryBlobs(),
        media=cast(Any, PictureDownloads(picture=encode(photo(64, 80, face=False)))),
        astria=cast(Any, None),
        catalogue=load_catalogue(),
        astria_packs=FakeAstriaPacks(),
        callback_base="http://image",
        links=Links("http://image", "test-link-key"),
        clock=clock,
    )
    return ImageRuntime(ports=deps, clock=clock)


@pytest.fixture
def client(runtime):
    yield from in_process(create_app, runtime)


def post(client, path, body, *, token="s3cret-token", order="ord_1", content_type=None):
    headers = {"Content-Type": content_type} if content_type else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"{path}?order_id={order}&token={token}", content=raw, headers=headers)


def published(runtime, topic=None):
    return [
        (t, e, i) for t, e, i in runtime.ports.publisher.published if topic is None or t == topic
    ]


def deliver_settled(client, runtime):
    """Daprd's part: every prompt.settled the service published so far comes back to its
    own subscription (again, for those delivered before). The statuses it answered."""
    statuses = []
    for _, event, event_id in published(runtime, Topic.PROMPT_SETTLED):
        body = cloudevent(event.model_dump(mode="json"), event_id=event_id, topic="prompt.settled")
        statuses.append(client.post("/events/prompt.settled", content=body).json()["status"])
    return statuses


TUNE = {"id": 77, "title": "ord_1", "name": "woman", "trained_at": "2026-11-26T10:05:00Z"}


def prompt(prompt_id, n=4, **extra):
    return {
        "id": prompt_id,
        "tune_id": 1504944,
        "images": [f"https://img/{prompt_id}/{i}.jpg" for i in range(n)],
        **extra,
    }


def test_a_trained_tune_is_announced_once(client, runtime):
    assert post(client, "/pack-tune-received", {"tune": TUNE}).json() == {"trained": True}
    assert post(client, "/pack-tune-received", {"tune": TUNE}).status_code == 200
    [(_, event, event_id)] = published(runtime, Topic.TUNE_TRAINED)
    assert (event.order_id, event_id) == ("ord_1", "tune.trained-ord_1")


def test_an_unwrapped_body_without_a_content_type_is_understood(client, runtime):
    response = post(client, "/pack-tune-received", TUNE, content_type="")
    assert response.status_code == 200
    assert len(published(runtime, Topic.TUNE_TRAINED)) == 1


def test_a_wrong_token_is_refused_and_nothing_is_published(client, runtime):
    assert post(client, "/pack-tune-received", {"tune": TUNE}, token="guess").status_code == 401
    assert post(client, "/update-images", {"prompt": prompt(1)}, token="").status_code == 401
    assert published(runtime) == []


def test_an_unknown_order_gets_the_same_answer_as_a_wrong_token(client, runtime):
    """Nobody without the token can learn whether an order exists."""
    ghost = post(client, "/pack-tune-received", {"tune": TUNE}, order="ord_ghost")
    wrong = post(client, "/pack-tune-received", {"tune": TUNE}, token="guess")
    assert (ghost.status_code, ghost.json()) == (wrong.status_code, wrong.json())
    assert ghost.status_code == 401
    assert post(client, "/update-images", {"prompt": prompt(1)}, order="").status_code == 401
    assert published(runtime) == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"tune": {"id": 1, "title": "\\ud800"}}',  # a valid JSON escape, no UTF-8 text
        b"1" * 5000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"tune": {"id": NaN}}',
        b"\xff\xfe",
    ],
    ids=["lone surrogate", "huge number", "deep nesting", "NaN", "not UTF-8"],
)
def test_json_that_python_cannot_carry_is_refused_not_a_crash(client, runtime, raw):
    assert post(client, "/pack-tune-received", raw).status_code == 422
    assert published(runtime) == []


@pytest.mark.parametrize("raw", [b"{not json", b'{"tune": "no"}', b"[1, 2]"])
def test_malformed_bodies_are_refused(client, runtime, raw):
    assert post(client, "/pack-tune-received", raw).status_code == 422
    assert published(runtime) == []


def test_each_prompt_counts_once_and_the_last_one_completes_the_order(client, runtime):
    assert post(client, "/update-images", {"prompt": prompt(1)}).json() == {"announced": 1}
    assert post(client, "/update-images", {"prompt": prompt(1)}).json() == {"announced": 0}  # again
    assert post(client, "/update-images", prompt(2)).json() == {"announced": 1}
    # Astria is answered before any picture is fetched; the portraits are kept after.
    assert published(runtime, Topic.IMAGES_READY) == []
    assert runtime.ports.media.asked == []
    assert deliver_settled(client, runtime) == ["SUCCESS", "SUCCESS"]
    assert deliver_settled(client, runtime) == ["SUCCESS", "SUCCESS"]  # Dapr, again
    ready = published(runtime, Topic.IMAGES_READY)
    # Our copies, not Astria's URLs, each fetched once.
    firsts = [urlsplit(e.image_urls[0]).path.rsplit("/", 1)[-1] for _, e, _ in ready]
    assert firsts == ["1-0.jpg", "2-0.jpg"]
    assert runtime.ports.media.asked == [
        f"https://img/{p}/{i}.jpg" for p in (1, 2) for i in range(4)
    ]
    assert [e.complete for _, e, _ in ready] == [False, True]
    [(_, done, _)] = published(runtime, Topic.ORDER_COMPLETED)
    assert done.images == 8
    # The prompts_callback array that follows changes nothing.
    assert post(client, "/update-images", [prompt(1), prompt(2)]).json() == {"announced": 0}
    assert len(published(runtime, Topic.ORDER_COMPLETED)) == 1


def test_the_prompts_callback_array_closes_an_order_that_came_up_short(client, runtime):
    failed = {"id": 3, "images": [], "user_error": "No face detected"}
    body = [{"prompt": prompt(1)}, {"prompt": failed}]
    assert post(client, "/update-images", body).json() == {"announced": 1}
    assert published(runtime, Topic.ORDER_COMPLETED) == []  # prompt 1's are not kept yet
    deliver_settled(client, runtime)
    ready = published(runtime, Topic.IMAGES_READY)
    # The last copies kept close the order: 4 of the pack's 8.
    assert [(e.prompt_id, len(e.image_urls), e.complete) for _, e, _ in ready] == [("1", 4, True)]
    [(_, done, _)] = published(runtime, Topic.ORDER_COMPLETED)
    assert done.images == 4
    assert post(client, "/update-images", body).json() == {"announced": 0}
    assert len(published(runtime, Topic.ORDER_COMPLETED)) == 1


def test_every_prompt_reported_and_kept_already_closes_the_order_at_once(client, runtime):
    post(client, "/update-images", prompt(1))
    deliver_settled(client, runtime)
    failed = {"id": 3, "images": [], "user_error": "No face detected"}
    assert post(client, "/update-images", [prompt(1), failed]).json() == {"announced": 1}
    ready = published(runtime, Topic.IMAGES_READY)
    assert [(e.prompt_id, e.complete) for _, e, _ in ready] == [("1", False), ("all", True)]
    assert len(published(runtime, Topic.ORDER_COMPLETED)) == 1


def test_an_unsettled_prompt_is_ignored(client, runtime):
    assert post(client, "/update-images", {"prompt": {"id": 5, "images": []}}).json() == {
        "announced": 0
    }
    assert published(runtime) == []


def test_a_callback_while_the_broker_is_down_is_announced_later_not_lost(client, runtime):
    from shared.events.base import EventMeta
    from shared.events.maintenance import ReconcileRequested

    runtime.ports.publisher.fail = True  # the sidecar is down; Astria will not call again
    assert post(client, "/pack-tune-received", {"tune": TUNE}).json() == {"trained": True}
    assert post(client, "/update-images", {"prompt": prompt(1)}).status_code == 200
    assert published(runtime) == []
    assert runtime.ports.records.outbox.pending() == 2
    runtime.ports.publisher.fail = False
    # The reconcile tick (every 5 minutes) publishes what was staged, in order, once.
    tick = ReconcileRequested(requested_at=runtime.ports.clock(), overdue_after_minutes=60)
    call(handle_reconcile, runtime.ports, tick, meta=EventMeta(id="r1", topic="t"))
    call(handle_reconcile, runtime.ports, tick, meta=EventMeta(id="r2", topic="t"))
    deliver_settled(client, runtime)
    assert [(t, i) for t, _, i in published(runtime)] == [
        (Topic.TUNE_TRAINED, "tune.trained-ord_1"),
        (Topic.PROMPT_SETTLED, "prompt.settled-ord_1-1"),
        (Topic.IMAGES_READY, "images.ready-ord_1-1"),
    ]
    assert runtime.ports.records.outbox.pending() == 0


def test_the_next_callback_publishes_what_an_earlier_one_staged(client, runtime):
    runtime.ports.publisher.fail = True
    post(client, "/pack-tune-received", {"tune": TUNE})
    runtime.ports.publisher.fail = False
    post(client, "/update-images", {"prompt": prompt(1)})
    assert [i for _, _, i in published(runtime)] == ["tune.trained-ord_1", "prompt.settled-ord_1-1"]


def test_a_portrait_astria_cannot_give_is_left_out_and_one_that_fails_now_is_fetched_later(
    client, runtime
):
    media = runtime.ports.media
    media.answers["https://img/1/1.jpg"] = b"<html>not a picture</html>"
    media.answers["https://img/1/2.jpg"] = MediaRefused("the picture's URL redirected")
    media.answers["https://img/2/0.jpg"] = Transient("astria's CDN answered 503")
    assert post(client, "/update-images", prompt(1)).json() == {"announced": 1}
    assert post(client, "/update-images", prompt(2)).json() == {"announced": 1}
    # The CDN is down for prompt 2: nothing of it is kept, and Dapr delivers it again.
    assert deliver_settled(client, runtime) == ["SUCCESS", "RETRY"]
    [(_, first, _)] = published(runtime, Topic.IMAGES_READY)
    assert len(first.image_urls) == 2  # 0 and 3: the others are not portraits we can keep
    del media.answers["https://img/2/0.jpg"]
    assert deliver_settled(client, runtime) == ["SUCCESS", "SUCCESS"]
    ready = published(runtime, Topic.IMAGES_READY)
    assert [len(e.image_urls) for _, e, _ in ready] == [2, 4]
    # 6 of 8 delivered, every prompt reported: the order ends short, and payment refunds.
    assert post(client, "/update-images", [prompt(1), prompt(2)]).json() == {"announced": 1}
    [(_, done, _)] = published(runtime, Topic.ORDER_COMPLETED)
    assert done.images == 6


def test_links_open_our_copies_and_the_gallery_until_they_expire(client, runtime):
    post(client, "/update-images", prompt(1))
    post(client, "/update-images", prompt(2))
    deliver_settled(client, runtime)
    ready = [e for _, e, _ in published(runtime, Topic.IMAGES_READY)]
    link = urlsplit(ready[0].image_urls[0])
    answer = client.get(f"{link.path}?{link.query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.content == runtime.ports.media.picture
    # A link changed in any way is no link.
    forged = link.query.replace("signature=", "signature=0")
    assert client.get(f"{link.path}?{forged}").status_code in (404, 422)
    other = link.path.replace("1-0.jpg", "1-1.jpg")
    assert client.get(f"{other}?{link.query}").status_code == 404
    gallery = urlsplit(ready[-1].gallery_url)
    page = client.get(f"{gallery.path}?{gallery.query}")
    assert page.status_code == 200
    assert page.text.count("<img ") == 8
    assert "Your 8 portraits" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # Every link in the page works too; and after the retention, none does.
    src = page.text.split('<img src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert client.get(src).status_code == 200
    runtime.ports.clock.advance(days=31)
    assert client.get(f"{link.path}?{link.query}").status_code == 404
    assert client.get(f"{gallery.path}?{gallery.query}").status_code == 404
    assert client.get(src).status_code == 404


def test_a_document_link_gives_the_full_file_as_a_pdf_until_it_expires(client, runtime):
    post(client, "/update-images", prompt(1))
    deliver_settled(client, runtime)
    [(_, ready, _)] = published(runtime, Topic.IMAGES_READY)
    assert len(ready.file_urls) == len(ready.image_urls) == 4
    link = urlsplit(ready.file_urls[0])
    assert link.path.startswith("/documents/portraits/")
    assert link.path.endswith("/1-0.jpg.pdf")
    answer = client.get(f"{link.path}?{link.query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="portrait-1-0.pdf"'
    assert answer.content.startswith(b"%PDF-")
    assert runtime.ports.media.picture in answer.content  # the JPEG itself, not re-encoded
    # The image's own link is not a document's: each is signed for its path alone.
    image = urlsplit(ready.image_urls[0])
    assert client.get(f"/documents{image.path}.pdf?{image.query}").status_code == 404
    forged = link.query.replace("signature=", "signature=0")
    assert client.get(f"{link.path}?{forged}").status_code in (404, 422)
    runtime.ports.clock.advance(days=31)
    assert client.get(f"{link.path}?{link.query}").status_code == 404


def test_a_link_to_an_erased_persons_portrait_is_no_link_not_an_error(client, runtime):
    post(client, "/update-images", prompt(1))
    deliver_settled(client, runtime)
    [(_, ready, _)] = published(runtime, Topic.IMAGES_READY)
    image, document = urlsplit(ready.image_urls[0]), urlsplit(ready.file_urls[0])
    assert client.get(f"{image.path}?{image.query}").status_code == 200
    runtime.ports.records.erase_user(USER)
    assert client.get(f"{image.path}?{image.query}").status_code == 404
    assert client.get(f"{document.path}?{document.query}").status_code == 404


def test_two_deliveries_of_one_prompt_at_once_keep_its_portraits_once(client, runtime):
    post(client, "/update-images", prompt(1))
    records, copies = (
        runtime.ports.records,
        [Copy(f"portraits/u/ord_1/1-{i}.jpg", "s") for i in range(4)],
    )
    start, kept = threading.Barrier(2), []

    def deliver():
        start.wait()
        kept.append(records.keep_copies("ord_1", "1", copies, lambda _t, _c: []))

    twins = [threading.Thread(target=deliver) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join(30)
    assert sorted(result is None for result in kept) == [False, True]
    assert records.training("ord_1").delivered_images == 4
    assert records.pending_prompts("ord_1") == {}


def test_an_erasure_while_the_portraits_download_leaves_none_of_them(client, runtime):
    post(client, "/update-images", prompt(1))
    media, download = runtime.ports.media, runtime.ports.media.download

    def erased_meanwhile(url):
        if len(media.asked) == 2:  # DELETE lands between two downloads
            runtime.ports.records.erase_user(USER)
        return download(url)

    media.download = erased_meanwhile
    assert deliver_settled(client, runtime) == ["SUCCESS"]
    assert len(media.asked) == 4
    assert [name for name in runtime.ports.blobs if name.startswith("portraits/")] == []
    assert published(runtime, Topic.IMAGES_READY) == []


def test_the_last_copies_and_astrias_all_done_at_once_complete_the_order_once(client, runtime):
    """Astria's "all prompts reported" read the order before the last copies completed it,
    and writes after: SQLite ignores FOR UPDATE, so only a conditional write tells."""
    post(client, "/update-images", prompt(1))
    post(client, "/update-images", prompt(2))
    records = runtime.ports.records
    first = [Copy(f"portraits/u/ord_1/1-{i}.jpg", "s") for i in range(4)]
    assert records.keep_copies("ord_1", "1", first, lambda _t, _c: []) is not None
    completions: list[str] = []
    paused, resume = threading.Event(), threading.Event()

    @sqlalchemy.event.listens_for(records._engine, "before_cursor_execute")
    def hold_all_done(_conn, _cursor, statement, *_args):
        if "SET all_reported" in statement and threading.current_thread().name == "all-done":
            paused.set()
            resume.wait(10)

    def all_done():
        if records.all_reported("ord_1", lambda _t: []):
            completions.append("all reported")

    astria = threading.Thread(target=all_done, name="all-done")
    astria.start()
    assert paused.wait(10)  # it has read the order: not complete, one prompt waiting
    last = [Copy(f"portraits/u/ord_1/2-{i}.jpg", "s") for i in range(4)]

    def completed_by_the_last(_training, completes):
        if completes:
            completions.append("last copies")
        return []

    records.keep_copies("ord_1", "2", last, completed_by_the_last)
    resume.set()
    astria.join(10)
    sqlalchemy.event.remove(records._engine, "before_cursor_execute", hold_all_done)
    assert completions == ["last copies"]
    assert records.training("ord_1").completed_at is not None
