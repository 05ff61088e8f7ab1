"""Counts in the portal's words: "1 day", "20,000 metering points"."""


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """The count with a thousands separator and the noun in the right number. Django's
    `pluralize` filter is for templates; this is the same for messages built in Python."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"
