"""Postcode normalisation shared by ingestion and search (pure Python, no Django).

A postcode is stored as received for display and as a key for lookup: upper case
with every space removed, so "sw1a 1aa", "SW1A1AA" and " SW1A  1AA " all meet at
"SW1A1AA". The key is not validated against the postcode format: flows from the
market carry whatever the distributor holds, and a search must still find it.
"""

import re

POSTCODE_KEY_MAX_LENGTH = 10

# Outward code (area, district) and inward code (sector digit, unit letters).
_FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def postcode_key(text: str | None) -> str:
    """The lookup key of a postcode: upper case, no spaces; "" for a blank one."""
    if not text:
        return ""
    return "".join(text.split()).upper()[:POSTCODE_KEY_MAX_LENGTH]


def postcode_is_full(key: str) -> bool:
    """Whether a key looks like a complete postcode (outward + inward code)."""
    return bool(_FULL_POSTCODE.match(key))


def postcode_display(key: str) -> str:
    """A key written the usual way, with one space before the inward code."""
    if postcode_is_full(key):
        return f"{key[:-3]} {key[-3:]}"
    return key
