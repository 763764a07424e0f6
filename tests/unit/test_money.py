import pytest

from shared.money import minor_digits, money

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("amount_minor", "currency", "language", "written"),
    [
        (1499, "usd", "en", "$14.99"),
        (1499, "usd", "es", f"14,99{NBSP}US$"),
        (1499, "eur", "en", "€14.99"),
        (1499, "eur", "es", f"14,99{NBSP}€"),
        # Zero-decimal currencies: 9990 minor units are 9,990 pesos, not 99.90.
        (9990, "clp", "es", f"9.990{NBSP}CLP"),
        (9990, "clp", "en", f"CLP{NBSP}9,990"),
        (1500, "jpy", "en", "¥1,500"),
        (1500, "jpy", "es", f"1.500{NBSP}JPY"),
        (123456, "mxn", "es", f"1.234,56{NBSP}MXN"),
        (1000, "kwd", "en", f"KWD{NBSP}1.000"),  # three decimals
        # Stripe counts COP in cents although CLDR writes it whole.
        (199900, "cop", "es", f"1.999{NBSP}COP"),
        (5, "USD", "en", "$0.05"),
    ],
)
def test_each_currency_has_its_own_decimals_and_each_language_its_writing(
    amount_minor, currency, language, written
):
    assert money(amount_minor, currency, language) == written


@pytest.mark.parametrize(
    ("currency", "digits"), [("usd", 2), ("JPY", 0), ("clp", 0), ("kwd", 3), ("cop", 2)]
)
def test_minor_units_follow_stripe(currency, digits):
    assert minor_digits(currency) == digits
