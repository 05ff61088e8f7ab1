"""Address words: how an address is cut into words for search (pure Python, no Django).

The registry holds a point's address as nine free lines and a postcode, as the
distributor sent them (D0204 R03): there is no separate street or town item. An
address search therefore matches words: every word of the query must be a whole word
of the address (lines and postcode). A word is a run of letters and digits; case and
punctuation are ignored, so "Flat 3, 12 High St." has the words FLAT 3 12 HIGH ST.

The words of every point are kept in `registry.models.AddressWords` as text with a
space before and after each word (" FLAT 3 12 HIGH ST "), written after each D0204 by
`registry.services.address_words_refresh` from the SQL below. PostgreSQL finds words
through a GIN index on `to_tsvector('simple', text)` ('simple': no stemming, no stop
words, so a word is a word); SQLite scans with LIKE '% WORD %'.
"""

import re

ADDRESS_COLUMNS = [*(f"address_line_{n}" for n in range(1, 10)), "postcode"]
ADDRESS_WORDS_INDEX = "registry_addresswords_idx"  # PostgreSQL only (registry 0003)
# The indexed expression, as queries must write it to use the index.
ADDRESS_WORDS_SQL = "to_tsvector('simple'::regconfig, {text})"

_JOINED = " || ' ' || ".join(ADDRESS_COLUMNS)
# A point's words as `address_text` writes them, per database: PostgreSQL in SQL (a
# refresh of millions of points stays in the database); SQLite through that very
# function (registry.apps registers it).
ADDRESS_TEXT_SQL = {
    "postgresql": f"' ' || upper(regexp_replace({_JOINED}, '[^[:alnum:]]+', ' ', 'g')) || ' '",
    "sqlite": f"ecoes_address_text({', '.join(ADDRESS_COLUMNS)})",
}

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
