"""Which language to greet a person in, from the country code of their number."""

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ES = "es"


# Spanish-speaking countries' calling codes (Spain, Latin America, Equatorial Guinea).
_SPANISH_PREFIXES = (
    "34",
    "52",
    "53",
    "54",
    "56",
    "57",
    "58",
    "51",
    "591",
    "593",
    "595",
    "598",
    "502",
    "503",
    "504",
    "505",
    "506",
    "507",
    "240",
)


def guess_language(sender: str) -> Language:
    """English unless the number starts with a Spanish-speaking country's code."""
    digits = sender.removeprefix("whatsapp:").removeprefix("+")
    if not digits.isdigit():
        return Language.EN
    # Longest prefixes first, so "593" (Ecuador) is not read as "59".
    for prefix in sorted(_SPANISH_PREFIXES, key=len, reverse=True):
        if digits.startswith(prefix):
            return Language.ES
    return Language.EN
