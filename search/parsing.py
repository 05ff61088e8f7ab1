"""What a person typed in the one search box, and what they meant (pure Python).

Recognised, in this order:
- an MPAN: 13 digits (the core) or 21 (the full MPAN), with spaces or dashes, with an
  optional leading "S" as printed on bills; validated by dtc.mpan;
- a full postcode in any case or spacing, with an optional building number or name
  before or after it ("10 sw1a 1aa", "SW1A1AA, Rose Cottage");
- a meter serial number, ignoring case, spaces and dashes;
- the first half of a postcode ("E13", "WC2A 1") is searched as a serial; when that finds
  nothing, `partial_postcode_hint` says to add the second half.
Anything else is refused with a message that says what to type.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from dtc.mpan import InvalidMpan, normalise_mpan
from registry.keys import serial_key
from registry.postcodes import postcode_display, postcode_is_full, postcode_key

SERIAL_MAX_LENGTH = 10  # registry.models.Meter.serial_key
QUERY_MAX_LENGTH = 100
BUILDING_MAX_LENGTH = 40  # one address line

_MPAN_LIKE = re.compile(r"^[Ss]?[\s\-]*[0-9][0-9\s\-]*$")
_SERIAL_LIKE = re.compile(r"^[\s\-]*[0-9A-Za-z][0-9A-Za-z\s\-]*$")
_SEPARATORS = re.compile(r"[\s,]+")
# An outward code alone, or with the start of the inward code after a space.
_PARTIAL_POSTCODE = re.compile(
    r"^\s*(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s+(?P<inward>[0-9][A-Z]?))?\s*$"
)
_EXAMPLE_INWARD = "0BZ"


class SearchKind(StrEnum):
    MPAN = "mpan"
    POSTCODE = "postcode"
    SERIAL = "serial"


class SearchInputError(ValueError):
    """The text cannot be searched; the message tells the person what to type."""


@dataclass(frozen=True)
class SearchQuery:
    kind: SearchKind
    key: str  # MPAN core, postcode key (no spaces) or serial key
    building: str = ""  # postcode searches only: a building number or name

    @property
    def display(self) -> str:
        """The query as the service understood it, for headings and the audit."""
        if self.kind is SearchKind.POSTCODE:
            text = postcode_display(self.key)
            return f"{self.building}, {text}" if self.building else text
        return self.key


def search_parse(text: str | None) -> SearchQuery:
    """The search a person meant by `text`; SearchInputError says why there is none."""
    text = (text or "").strip()
    if not text:
        raise SearchInputError("Type an MPAN core, a postcode or a meter serial number.")
    if len(text) > QUERY_MAX_LENGTH:
        raise SearchInputError(
            f"A search is at most {QUERY_MAX_LENGTH} characters: type an MPAN core, "
            "a postcode or a meter serial number."
        )
    mpan = _mpan_or_none(text)
    if mpan:
        return mpan
    postcode = _postcode_or_none(text)
    if postcode:
        return postcode
    try:
        return serial_parse(text)
    except SearchInputError:
        pass
    raise SearchInputError(
        f"“{text}” is not an MPAN core, a full postcode (e.g. SW1A 1AA, optionally with a "
        "building number or name) or a meter serial number (up to 10 letters and digits)."
    )


def mpan_parse(text: str | None) -> str:
    """An MPAN core from a core or full MPAN as typed; SearchInputError says what is wrong."""
    text = (text or "").strip()
    if text[:1] in ("S", "s"):
        text = text[1:]
    try:
        return normalise_mpan(text)
    except InvalidMpan as error:
        raise SearchInputError(str(error)) from None


def postcode_parse(text: str | None, *, building: str | None = "") -> SearchQuery:
    """A postcode search from separate postcode and building values (the API's)."""
    key = postcode_key(text)
    if not postcode_is_full(key):
        raise SearchInputError(
            f"“{(text or '').strip()}” is not a full postcode: type it like SW1A 1AA."
        )
    return SearchQuery(SearchKind.POSTCODE, key, _building(building or ""))


def serial_parse(text: str | None) -> SearchQuery:
    """A meter serial search, ignoring case, spaces and dashes."""
    text = (text or "").strip()
    key = serial_key(text)
    if not _SERIAL_LIKE.match(text) or len(key) > SERIAL_MAX_LENGTH:
        raise SearchInputError(
            f"“{text}” is not a meter serial number: up to {SERIAL_MAX_LENGTH} letters and "
            "digits, with spaces or dashes if you like."
        )
    return SearchQuery(SearchKind.SERIAL, key)


def _mpan_or_none(text: str) -> SearchQuery | None:
    """An MPAN search when the text is digits meant as an MPAN; short digit strings are
    left for the serial search (some meter serials are all digits)."""
    if not _MPAN_LIKE.match(text):
        return None
    digits = sum(char.isdigit() for char in text)
    if digits <= SERIAL_MAX_LENGTH:
        return None
    return SearchQuery(SearchKind.MPAN, mpan_parse(text))


def _postcode_or_none(text: str) -> SearchQuery | None:
    """A full postcode at the end or the start of the text, the rest being the building."""
    words = [word for word in _SEPARATORS.split(text.upper()) if word]
    original = [word for word in _SEPARATORS.split(text) if word]
    # The postcode is one word ("SW1A1AA") or two ("SW1A 1AA"); try the end first,
    # as addresses are written with the postcode last.
    for size in (2, 1):
        if len(words) >= size and postcode_is_full("".join(words[-size:])):
            building = " ".join(original[:-size])
            return SearchQuery(SearchKind.POSTCODE, "".join(words[-size:]), _building(building))
        if len(words) > size and postcode_is_full("".join(words[:size])):
            building = " ".join(original[size:])
            return SearchQuery(SearchKind.POSTCODE, "".join(words[:size]), _building(building))
    return None


def partial_postcode_hint(text: str | None) -> str:
    """What to add when the text looks like the first half of a postcode ("E13",
    "WC2A 1"); "" otherwise.

    Such text is still searched as a meter serial (some serials look alike); when that
    finds nothing, the screens show this instead of a bare "nothing found".
    """
    match = _PARTIAL_POSTCODE.match((text or "").upper())
    if not match:
        return ""
    outward, inward = match.group("outward"), match.group("inward") or ""
    example = f"{outward} {inward}{_EXAMPLE_INWARD[len(inward) :]}"
    return (
        f"“{text.strip()}” is only part of a postcode: add the second half of the "
        f"postcode, e.g. {example}."
    )


def _building(text: str) -> str:
    building = " ".join(_SEPARATORS.sub(" ", text).split()).strip(" ,")
    if len(building) > BUILDING_MAX_LENGTH:
        raise SearchInputError(
            f"A building number or name is at most {BUILDING_MAX_LENGTH} characters."
        )
    return building
