"""The pack catalogue, one file shared by the message, image and payment services.

Prices live here and only here: payment never takes a price from an event.
"""

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.money import money

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "config" / "packs.json"

SUBJECT_CLASSES = ("woman", "man", "boy", "girl", "dog", "cat")
# Photos of these show no human face: the image service's face check skips them.
PETS = frozenset({"dog", "cat"})


class Pack(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    astria_pack_id: int | str
    title: dict[str, str]
    description: dict[str, str]
    price_minor: int = Field(gt=0, description="price in the currency's minor unit (cents)")
    # Another style on a model already trained from the person's photos: the pack's prompts
    # only, no training. None: the pack is not offered so.
    restyle_price_minor: int | None = Field(default=None, gt=0)
    currency: str = Field(pattern=r"^[a-z]{3}$")
    classes: tuple[str, ...] = Field(min_length=1)
    # The picture shown before choosing; without one, the cover Astria shows for the pack.
    cover_url: str | None = Field(default=None, pattern=r"^https?://")

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, classes: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(classes) - set(SUBJECT_CLASSES)
        if unknown:
            raise ValueError(f"unknown subject classes {sorted(unknown)}")
        return classes

    @model_validator(mode="after")
    def _english_texts(self) -> "Pack":
        if "en" not in self.title or "en" not in self.description:
            raise ValueError(f"pack {self.code}: title and description need at least English")
        return self

    def text(self, field: str, language: str) -> str:
        texts: dict[str, str] = getattr(self, field)
        return texts.get(language) or texts["en"]

    def price(self, *, restyle: bool = False) -> int:
        """What the pack costs, new or as a re-style; ValueError if it has no re-style."""
        if not restyle:
            return self.price_minor
        if self.restyle_price_minor is None:
            raise ValueError(f"pack {self.code} is not offered as a re-style")
        return self.restyle_price_minor

    def price_label(self, language: str = "en", *, restyle: bool = False) -> str:
        return money(self.price(restyle=restyle), self.currency, language)


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    packs: tuple[Pack, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> "Catalogue":
        codes = [pack.code for pack in self.packs]
        if len(codes) != len(set(codes)):
            raise ValueError("pack codes must be unique")
        return self

    def for_subject(self, subject: str | None) -> tuple[Pack, ...]:
        return tuple(p for p in self.packs if subject is None or subject in p.classes)

    def get(self, code: str) -> Pack | None:
        return next((p for p in self.packs if p.code == code), None)


def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Validated at start-up: a broken catalogue stops the service, not a customer."""
    return Catalogue.model_validate(json.loads(path.read_text()))
