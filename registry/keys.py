"""Search keys derived from received values (pure Python, no Django).

Used when a flow is applied and when a user searches, so both sides agree.
"""

import re

from registry.postcodes import postcode_key

__all__ = ["ADDRESS_SORT_KEY_MAX_LENGTH", "address_sort_key", "postcode_key", "serial_key"]

ADDRESS_SORT_KEY_MAX_LENGTH = 32

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
_DIGITS = re.compile(r"[0-9]+")


def serial_key(serial: str | None) -> str:
    """A meter serial as searched: spaces, dashes and case ignored ("k 12-ab" -> "K12AB")."""
    if not serial:
        return ""
    if serial.isalnum() and serial.isascii():  # most serials: no regex needed
        return serial.upper()
    return _NOT_ALPHANUMERIC.sub("", serial.upper())


def address_sort_key(lines: "list[str | None] | tuple[str | None, ...]") -> str:
    """A key that orders the addresses of one postcode the way a person reads them.

    The first two non-blank lines, upper case, with every number zero-padded to five
    digits, so "2 High Street" sorts before "10 High Street" and "Flat 2" before
    "Flat 10". Cut to a fixed width to keep the postcode index narrow.
    """
    # Runs once per metering point on ingest: plain string methods, one regex.
    parts = []
    for line in lines:
        if line and not line.isspace():
            parts.append(line)
            if len(parts) == 2:
                break
    text = " ".join(" ".join(parts).upper().split())
    return _DIGITS.sub(_padded, text)[:ADDRESS_SORT_KEY_MAX_LENGTH]


def _padded(number: re.Match) -> str:
    return number.group().zfill(5)
