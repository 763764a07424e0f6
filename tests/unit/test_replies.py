from services.message.domain.replies import greeting


def test_greeting_uses_the_profile_name():
    assert greeting("Jane").startswith("👋 Hi Jane!")


def test_greeting_without_a_name_still_reads_well():
    assert greeting(None).startswith("👋 Hi! ")
    assert greeting("   ").startswith("👋 Hi! ")


def test_greeting_tells_how_to_get_help_and_fits_one_message():
    text = greeting("x" * 100)
    assert "HELP" in text
    assert len(text) <= 1600
