from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from search.services import lookups_left_today

register = template.Library()


@register.simple_tag(takes_context=True)
def lookups_left(context) -> str:
    """ "... of ... lookups left today" for the user of the page, beside the search box."""
    user = context["request"].user
    if not user.is_authenticated:
        return ""
    return (
        f"{lookups_left_today(user=user):,} of {settings.SEARCH_DAILY_CAP:,} lookups left "
        "today (searches, detail views and exports)."
    )


@register.filter
def uk_date(value) -> str:
    """A date as 31/12/2019 ("" for none): Django's `date` filter gives the same for
    "d/m/Y" but parses its format and looks up the locale at each call, about 30 µs,
    and the detail page shows up to 25 dates (docs/performance.md)."""
    return value.strftime("%d/%m/%Y") if value else ""


_DETAIL_ROW = '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>'
_EFFECTIVE_FROM = 'from <time datetime="{}">{}</time>'


@register.simple_tag
def detail_rows(rows) -> str:
    """One detail section's rows (search.presentation.Row) as table rows: the HTML that
    templates/search/_detail_rows.html renders, built here in Python. In the template
    each row cost five variable lookups, each resolved, localised and escaped by the
    template engine: half of the detail page's rendering (docs/performance.md).
    tests/search/test_detail_rows.py holds the two to the same output."""
    return mark_safe(  # noqa: S308 - every value is escaped by format_html
        "".join(
            format_html(
                _DETAIL_ROW,
                row.label,
                row.value or "—",
                row.meaning,
                format_html(
                    _EFFECTIVE_FROM, row.effective_from.isoformat(), uk_date(row.effective_from)
                )
                if row.effective_from
                else "",
            )
            for row in rows
        )
    )
