import json

import pytest
from pydantic import ValidationError

from shared.packs import DEFAULT_CATALOGUE, Catalogue, load_catalogue


def test_the_committed_catalogue_is_valid():
    catalogue = load_catalogue()
    assert catalogue.packs
    assert all(p.price_minor > 0 for p in catalogue.packs)


def test_packs_are_offered_by_subject():
    catalogue = load_catalogue()
    assert {p.code for p in catalogue.for_subject("dog")} == {"pets"}
    assert "pets" not in {p.code for p in catalogue.for_subject("woman")}


def test_prices_are_integers_in_minor_units():
    pack = load_catalogue().get("corporate")
    assert pack is not None
    assert pack.price_minor == 1499
    assert pack.price_label() == "$14.99"
    assert pack.price_label("es") == "14,99\N{NO-BREAK SPACE}US$"


def raw():
    return json.loads(DEFAULT_CATALOGUE.read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["packs"][0].update(classes=["alien"]), "unknown subject"),
        (lambda d: d["packs"][0].update(price_minor=0), "greater than 0"),
        (lambda d: d["packs"][0].update(currency="US$"), "pattern"),
        (lambda d: d["packs"].append(dict(d["packs"][0])), "unique"),
        (lambda d: d["packs"][0]["title"].pop("en"), "English"),
        (lambda d: d.update(packs=[]), "at least 1"),
    ],
)
def test_a_broken_catalogue_is_refused_at_start_up(change, message):
    data = raw()
    change(data)
    with pytest.raises(ValidationError, match=message):
        Catalogue.model_validate(data)
