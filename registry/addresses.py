"""Address words: how an address is cut into words for search (pure Python, no Django).

The registry holds a point's address as nine free lines and a postcode, as the
distributor sent them (D0204 R03): there is no separate street or town item. An
address search therefore matches words: every word of the query must be a whole word
of the address (lines and postcode). A word is a run of letters and digits; case and
punctuation are ignored, so "Flat 3, 12 High St." has the words FLAT 3 12 HIGH ST.

PostgreSQL finds the words through a GIN index on the expression below (the 'simple'
text-search configuration: no stemming, no stop words, so a word is a word); SQLite
scans with LIKE over the same words padded with spaces. `registry.migrations.0003`
creates the index from `ADDRESS_WORDS_SQL`; queries must use the same text to use it.
"""

import re

ADDRESS_INDEX = "registry_mp_address_idx"  # PostgreSQL only (registry migration 0003)
ADDRESS_COLUMNS = [*(f"address_line_{n}" for n in range(1, 10)), "postcode"]

# The indexed expression (PostgreSQL). regexp_replace first, so that "12-14" or "1/2"
# are cut into words as the Python side cuts them, not as the text-search parser would
# (it reads "-14" as a signed number and "1/2" as a file path).
_JOINED = " || ' ' || ".join(ADDRESS_COLUMNS)
ADDRESS_TEXT_SQL = f"regexp_replace({_JOINED}, '[^[:alnum:]]+', ' ', 'g')"
ADDRESS_WORDS_SQL = f"to_tsvector('simple'::regconfig, {ADDRESS_TEXT_SQL})"

_NOT_WORD = re.compile(r"[\W_]+")


def address_words(text: str | None) -> list[str]:
    """The words of an address or a query, upper case, in order, repeats kept."""
    if not text:
        return []
    return [word for word in _NOT_WORD.split(text.upper()) if word]


def address_text(lines: "list[str | None] | tuple[str | None, ...]") -> str:
    """An address as its words between spaces (" FLAT 3 12 HIGH STREET "): a word W is
    in it when `" W "` is, and two words in a row when `" A B "` is."""
    return f" {' '.join(address_words(' '.join(line for line in lines if line)))} "
