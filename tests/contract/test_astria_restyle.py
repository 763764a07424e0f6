"""Another style on a trained tune, as the image service asks the sandbox's Astria for it:
`tune[tune_ids][]` makes the pack's prompts on the tune, trains nothing, and the same
request again makes nothing new."""

import time

import pytest

from services.image.adapters.astria import AstriaClient
from services.image.ports import AstriaRefused, PackTune
from tests.contract.sandbox import ASTRIA_KEY
from tests.imagery import encode, photo


@pytest.fixture(scope="module")
def astria(sandbox):
    url, store = sandbox
    store.astria.knobs["train_seconds"] = 0.2
    client = AstriaClient(base_url=f"{url}/astria", api_key=ASTRIA_KEY, timeout=5)
    yield client
    client.close()


def trained(astria, title):
    tune = astria.create_pack_tune(
        PackTune(
            pack_id=260,
            title=title,
            name="woman",
            images=[("0.jpg", encode(photo(600, 800, seed=5)))],
            callback="",
            prompt_callback="",
            prompts_callback="",
            branch="fast",
        )
    )
    deadline = time.monotonic() + 10
    while not astria.get_tune(str(tune["id"]))["trained_at"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return str(tune["id"])


def test_a_pack_runs_on_a_trained_tune_once_and_trains_nothing(astria, sandbox):
    _url, store = sandbox
    tune_id = trained(astria, "ord_first")
    tunes = len(store.astria.tunes)
    first = {p["id"] for p in astria.prompts(tune_id)}
    callback = "http://image/update-images?order_id=ord_again&token=t"
    astria.run_pack_on_tune(261, tune_id, callback)
    astria.run_pack_on_tune(261, tune_id, callback)  # a retry: the same parameters
    assert len(store.astria.tunes) == tunes  # no new tune
    made = [p for p in astria.prompts(tune_id) if p["id"] not in first]
    fantasy = astria.pack(261)  # as Astria defines it: its prompts for a woman, once
    assert len(made) == len(fantasy["prompts_per_class"]["woman"])
    assert all(p["callback"] == callback for p in made)
    deadline = time.monotonic() + 10
    while not all(p.get("images") for p in astria.prompts(tune_id)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    made_images = [p["images"] for p in astria.prompts(tune_id) if p["id"] not in first]
    assert sum(map(len, made_images)) == fantasy["costs"]["woman"]["num_images"]


def test_a_tune_that_is_not_trained_or_not_there_is_refused(astria):
    with pytest.raises(AstriaRefused):
        astria.run_pack_on_tune(261, "999999", "http://image/update-images?order_id=x")
    with pytest.raises(AstriaRefused):
        astria.run_pack_on_tune(262, trained(astria, "ord_pets"), "http://image/u?order_id=y")


def test_a_tune_is_deleted_with_astrias_bodiless_answer_and_again_as_already_gone(astria, sandbox):
    """Astria documents `DELETE /tunes/:id` as "200 OK" and no body; a retried erasure
    meets 404, which counts as done."""
    _url, store = sandbox
    tune_id = trained(astria, "ord_erased")
    astria.delete_tune(tune_id)
    assert int(tune_id) in store.astria.deleted_tunes
    astria.delete_tune(tune_id)  # already gone
    with pytest.raises(AstriaRefused, match="404"):
        astria.get_tune(tune_id)
