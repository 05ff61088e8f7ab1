"""MPAN cores: the check digit, validation and normalisation of what people type.

A full MPAN has 21 digits: profile class (2), MTC (3), LLFC (3), then the 13-digit core
(distributor id 2, unique number 10, check digit 1). The check digit: multiply core
digits 1..12 by 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43, sum, then mod 11, mod 10.
"""

WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_DIGIT_CHARS = "0123456789"


class InvalidMpan(ValueError):
    """The text is not a valid MPAN (core); the message says why."""


def _chunk_table(weights: tuple[int, int, int]) -> dict[str, int]:
    """Weighted sums of every three-digit string, so a core needs four lookups, not twelve
    multiplications: the parser checks millions of cores per file."""
    w1, w2, w3 = weights
    return {
        f"{a}{b}{c}": a * w1 + b * w2 + c * w3
        for a in range(10)
        for b in range(10)
        for c in range(10)
    }


CORE_TABLES = tuple(_chunk_table(WEIGHTS[i : i + 3]) for i in range(0, 12, 3))
_T1, _T2, _T3, _T4 = CORE_TABLES


def check_digit(first12: str) -> int:
    """The check digit for the first twelve digits of an MPAN core."""
    if not (isinstance(first12, str) and len(first12) == 12):
        raise InvalidMpan(f"{first12!r} is not the first 12 digits of an MPAN core")
    try:
        total = _T1[first12[0:3]] + _T2[first12[3:6]] + _T3[first12[6:9]] + _T4[first12[9:12]]
    except KeyError:
        raise InvalidMpan(f"{first12!r} is not the first 12 digits of an MPAN core") from None
    return total % 11 % 10


def is_valid_core(core: str) -> bool:
    """True for 13 ASCII digits whose last digit is the check digit of the first twelve."""
    if not isinstance(core, str) or len(core) != 13:
        return False
    try:
        total = _T1[core[0:3]] + _T2[core[3:6]] + _T3[core[6:9]] + _T4[core[9:12]]
    except KeyError:
        return False
    return _DIGIT_CHARS[total % 11 % 10] == core[12]


def core_problem(core: str) -> str | None:
    """Why ``core`` is not a valid MPAN core (a phrase to follow "is not a valid MPAN
    core: "), or None when it is valid."""
    if not isinstance(core, str) or len(core) != 13:
        return "an MPAN core has 13 digits"
    if not (core.isascii() and core.isdigit()):
        return "an MPAN core has only digits"
    if check_digit(core[:12]) != int(core[12]):
        return "the check digit does not match"
    return None


def normalise_mpan(text: str) -> str:
    """The 13-digit core from a core typed with spaces or dashes, or from a full 21-digit
    MPAN (whose first eight digits are dropped). Raises InvalidMpan with the reason."""
    if not isinstance(text, str):
        raise InvalidMpan(f"{text!r} is not a valid MPAN: it is not text")
    compact = "".join(text.split()).replace("-", "")
    if not compact:
        raise InvalidMpan("an empty value is not a valid MPAN")
    if not (compact.isascii() and compact.isdigit()):
        raise InvalidMpan(
            f"{text.strip()} is not a valid MPAN: only digits, spaces and dashes are allowed"
        )
    if len(compact) == 21:
        compact = compact[8:]
    elif len(compact) != 13:
        raise InvalidMpan(
            f"{text.strip()} is not a valid MPAN: it has {len(compact)} digits; expected 13 "
            "(the core) or 21 (the full MPAN)"
        )
    problem = core_problem(compact)
    if problem:
        raise InvalidMpan(f"{compact} is not a valid MPAN core: {problem}")
    return compact
