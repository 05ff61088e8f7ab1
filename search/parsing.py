"""What a person typed in the one search box, and what they meant (pure Python).

Recognised, in this order:
- an MPAN: 13 digits (the core) or 21 (the full MPAN), with spaces or dashes, with an
  optional leading "S" as printed on bills; validated by dtc.mpan;
- a full postcode in any case or spacing, with an optional building number or name
  before or after it ("10 sw1a 1aa", "SW1A1AA, Rose Cottage");
- a UPRN after the word "UPRN" ("UPRN 100023336956");
- an address as free text ("Flat 3, 12 High Street, Leeds"): text with a comma, or
  several words one of which is a word of three letters or more;
- a meter serial number, ignoring case, spaces and dashes;
- the first half of a postcode ("E13", "WC2A 1") is searched as a serial; when that finds
  nothing, `partial_postcode_hint` says to add the second half.
Anything else is refused with a message that says what to type. The address form and
the API also take an address as separate fields (`address_fields_parse`).
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from dtc.mpan import InvalidMpan, normalise_mpan
from registry.addresses import address_words
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


UPRN_MAX_LENGTH = 12  # registry.models.MeteringPoint.uprn
ADDRESS_MAX_WORDS = 12
ADDRESS_MIN_CHARACTERS = 4  # letters and digits in the whole query

# A flat is a number after one of these words: "Flat 3" must be those two words side by
# side, or "Flat 3, 12 High Street" would find flat 12 at number 3 as well.
SUB_BUILDING_WORDS = frozenset({"FLAT", "APARTMENT", "APT", "UNIT", "ROOM", "SUITE", "MAISONETTE"})
_UPRN_PREFIX = re.compile(r"^\s*UPRN\s*[:=]?\s*", re.IGNORECASE)
_ALPHABETIC_WORD = re.compile(r"\b[^\W\d_]{3,}\b")


class SearchKind(StrEnum):
    MPAN = "mpan"
    POSTCODE = "postcode"
    SERIAL = "serial"
    ADDRESS = "address"
    UPRN = "uprn"


class SearchInputError(ValueError):
    """The text cannot be searched; the message tells the person what to type."""


@dataclass(frozen=True)
class SearchQuery:
    kind: SearchKind
    # MPAN core, postcode key (no spaces), serial key or UPRN; for an address, the key
    # of a full postcode when one was given (else blank).
    key: str
    building: str = ""  # postcode searches only: a building number or name
    # Address searches: every word must be a word of the address (registry.addresses),
    # and `text` is the address as the person gave it, for headings and the audit.
    words: tuple[str, ...] = ()
    text: str = ""

    @property
    def display(self) -> str:
        """The query as the service understood it, for headings and the audit."""
        if self.kind is SearchKind.POSTCODE:
            text = postcode_display(self.key)
            return f"{self.building}, {text}" if self.building else text
        if self.kind is SearchKind.ADDRESS:
            return self.text
        if self.kind is SearchKind.UPRN:
            return f"UPRN {self.key}"
        return self.key


def search_parse(text: str | None) -> SearchQuery:
    """The search a person meant by `text`; SearchInputError says why there is none."""
    text = (text or "").strip()
    if not text:
        raise SearchInputError(
            "Type an MPAN core, a postcode, an address or a meter serial number."
        )
    if len(text) > QUERY_MAX_LENGTH:
        raise SearchInputError(
            f"A search is at most {QUERY_MAX_LENGTH} characters: type an MPAN core, "
            "a postcode, an address or a meter serial number."
        )
    mpan = _mpan_or_none(text)
    if mpan:
        return mpan
    postcode = _postcode_or_none(text)
    if postcode:
        return postcode
    if _UPRN_PREFIX.match(text):
        return uprn_parse(_UPRN_PREFIX.sub("", text))
    if _looks_like_an_address(text):
        return address_parse(text)
    try:
        return serial_parse(text)
    except SearchInputError:
        pass
    raise SearchInputError(
        f"“{text}” is not an MPAN core, a full postcode (e.g. SW1A 1AA, optionally with a "
        "building number or name), an address (e.g. 12 High Street, Leeds) or a meter "
        "serial number (up to 10 letters and digits)."
    )


def _looks_like_an_address(text: str) -> bool:
    """Text with a comma, or of several words one of which has three letters or more
    ("12 High St"); a serial is one code, at most split by spaces or dashes."""
    return "," in text or (len(text.split()) > 1 and bool(_ALPHABETIC_WORD.search(text)))


def uprn_parse(text: str | None) -> SearchQuery:
    """A search by Unique Property Reference Number: digits only, up to 12."""
    text = (text or "").strip()
    digits = "".join(text.split())
    if not digits.isdigit() or not digits.isascii() or len(digits) > UPRN_MAX_LENGTH:
        raise SearchInputError(
            f"“{text}” is not a UPRN: a UPRN is up to {UPRN_MAX_LENGTH} digits, e.g. 100023336956."
        )
    return SearchQuery(SearchKind.UPRN, digits.lstrip("0") or "0")


def address_parse(text: str | None) -> SearchQuery:
    """An address as free text ("Flat 3, 12 High Street, Leeds"); a full postcode in it
    narrows the search to that postcode."""
    text = " ".join((text or "").split())
    if len(text) > QUERY_MAX_LENGTH:
        raise SearchInputError(f"An address is at most {QUERY_MAX_LENGTH} characters.")
    words = address_words(text)
    key, words = _postcode_in_words(words)
    if not key:
        _address_detail_check(text, words)
    _address_length_check(text, words)
    return SearchQuery(SearchKind.ADDRESS, key, words=_with_flats(words), text=text)


def _with_flats(words: list[str]) -> tuple[str, ...]:
    """The words with each flat ("FLAT", "3") joined into one phrase ("FLAT 3"), which
    the search matches as two words side by side."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] in SUB_BUILDING_WORDS and any(c.isdigit() for c in word):
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    return tuple(joined)


def _postcode_in_words(words: list[str]) -> tuple[str, list[str]]:
    """A full postcode written as one word or two, and the other words."""
    for size in (2, 1):
        for start in range(len(words) - size, -1, -1):
            candidate = "".join(words[start : start + size])
            if postcode_is_full(candidate):
                return candidate, words[:start] + words[start + size :]
    return "", words


def _address_detail_check(text: str, words: list[str]) -> None:
    if len(words) < 2:
        raise SearchInputError(
            f"“{text}” alone matches too many addresses: add a street and a building "
            "number or name (e.g. 12 High Street, Leeds), or search by postcode."
        )
    if not any(not word.isdigit() for word in words):
        raise SearchInputError(
            f"“{text}” has only numbers: add the street and the town (e.g. 12 High Street, Leeds)."
        )


def _address_length_check(text: str, words: list[str]) -> None:
    if sum(len(word) for word in words) < ADDRESS_MIN_CHARACTERS and words:
        raise SearchInputError(
            f"“{text}” is too short to search: add the street and the town "
            "(e.g. 12 High Street, Leeds)."
        )
    if len(words) > ADDRESS_MAX_WORDS:
        raise SearchInputError(
            f"An address search takes at most {ADDRESS_MAX_WORDS} words: leave out "
            "the county and anything after the town."
        )


# The structured address: the fields of the address form and of the API, in the order
# an address is written, with the labels the messages use.
ADDRESS_FIELDS = {
    "sub_building": "flat or sub-building",
    "building": "building number or name",
    "street": "street",
    "locality": "locality",
    "town": "town",
    "postcode": "postcode",
}
FIELD_MAX_LENGTH = 40  # one address line


def address_fields_parse(fields: dict[str, str | None]) -> SearchQuery:
    """An address from separate fields (the address form, the API). A full postcode is
    matched exactly, an outward code ("LS1") as a word; the rest as words.

    A town, a locality or a part postcode alone matches too many addresses, and so
    does a street or a building alone: the message says what to add.
    """
    values = {name: " ".join((fields.get(name) or "").split()) for name in ADDRESS_FIELDS}
    for name, value in values.items():
        if len(value) > FIELD_MAX_LENGTH:
            raise SearchInputError(
                f"The {ADDRESS_FIELDS[name]} is at most {FIELD_MAX_LENGTH} characters."
            )
    text = ", ".join(value for value in values.values() if value)
    if not text:
        raise SearchInputError(
            "Fill in a postcode, or a street with a building number or name and a town."
        )
    key = postcode_key(values["postcode"])
    if key and not postcode_is_full(key) and len(key) > 4:
        raise SearchInputError(
            f"“{values['postcode']}” is not a postcode: type a full postcode like LS1 4AP "
            "or its first part like LS1."
        )
    full_postcode = key if postcode_is_full(key) else ""
    detail = [name for name in ("sub_building", "building", "street") if values[name]]
    place = [name for name in ("locality", "town") if values[name]]
    if key and not full_postcode:
        place.append("postcode")
    if not full_postcode:
        if not detail:
            given = " and ".join(ADDRESS_FIELDS[name] for name in place)
            raise SearchInputError(
                f"A {given} alone matches too many addresses: add a street, a building "
                "number or name, or a full postcode."
            )
        if not place:
            raise SearchInputError(
                "Add a town, a locality or a postcode: a street or building alone matches "
                "addresses all over the country."
            )
    words = [
        word
        for name, value in values.items()
        if not (name == "postcode" and full_postcode)
        for word in address_words(value)
    ]
    _address_length_check(text, words)
    return SearchQuery(SearchKind.ADDRESS, full_postcode, words=_with_flats(words), text=text)


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
            return _postcode_query("".join(words[-size:]), building, text)
        if len(words) > size and postcode_is_full("".join(words[:size])):
            building = " ".join(original[size:])
            return _postcode_query("".join(words[:size]), building, text)
    return None


def _postcode_query(key: str, building: str, text: str) -> SearchQuery:
    """A postcode with a building ("10, SW1A 1AA"), or with more of the address
    ("Flat 3, 12 High Street, LS1 4AP"): an address search within the postcode."""
    if "," in building.strip(" ,") or len(address_words(building)) > 3:
        words = address_words(building)
        _address_length_check(text, words)
        return SearchQuery(SearchKind.ADDRESS, key, words=_with_flats(words), text=text)
    return SearchQuery(SearchKind.POSTCODE, key, _building(building))


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
