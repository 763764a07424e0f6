"""Which language to greet a person in, from the country of their number.

The country is libphonenumber's (`phonenumbers`: +1 809 is the Dominican Republic, +1 787
Puerto Rico); its languages are CLDR's, through Babel, in the order CLDR ranks them
(official, then de facto). The first that the bot speaks wins; English otherwise.
"""

from enum import StrEnum

import phonenumbers
from babel.languages import get_official_languages


class Language(StrEnum):
    EN = "en"
    ES = "es"


_SPOKEN = {language.value: language for language in Language}


def guess_language(sender: str) -> Language:
    # Meta writes the number without its "+"; a username-based id (US.134…) is no number.
    digits = sender.removeprefix("whatsapp:").removeprefix("+")
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return Language.EN
    region = phonenumbers.region_code_for_number(number)
    if not region:
        return Language.EN
    for code in get_official_languages(region, de_facto=True):
        if code in _SPOKEN:
            return _SPOKEN[code]
    return Language.EN
