"""What the bot answers."""

GREETING = (
    "👋 Hi{name}! I'm the *Astria portrait bot*.\n"
    "Send me a few selfies and I'll turn them into AI portraits.\n"
    "Reply *HELP* at any time to see what I can do."
)


def greeting(profile_name: str | None) -> str:
    name = f" {profile_name.strip()}" if profile_name and profile_name.strip() else ""
    return GREETING.format(name=name)
