"""Money as a person reads it, the one formatter of every service and the sandbox.

Amounts are in Stripe's minor units, so Stripe's list says how many of them make one unit
(JPY and CLP have none, KWD three; COP, HUF and IDR two, although CLDR shows them whole).
How the amount is written is each language's, from CLDR through Babel: USD 1499 is
"$14.99" in English and "14,99 US$" in Spanish, CLP 9990 "9.990 CLP".
"""

import re
from decimal import Decimal

from babel.numbers import format_currency

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())  # noqa: SIM905
_THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())  # noqa: SIM905
# CLDR's currencySpacing, which Babel does not apply: a currency code written against a
# digit gets a no-break space ("CLP 9,990", not "CLP9,990").
_CODE_AGAINST_DIGIT = re.compile(r"(?<=[A-Z]{3})(?=\d)|(?<=\d)(?=[A-Z]{3})")


def minor_digits(currency: str) -> int:
    code = currency.upper()
    return 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2


def money(amount_minor: int, currency: str, language: str = "en") -> str:
    code = currency.upper()
    amount = Decimal(amount_minor).scaleb(-minor_digits(code))
    written = format_currency(amount, code, locale=language)
    return _CODE_AGAINST_DIGIT.sub("\N{NO-BREAK SPACE}", written)
