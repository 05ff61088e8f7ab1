import html

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
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


def _escaped(value) -> str:
    """What the template engine writes for a value: a plain string escaped by the
    standard library directly (Django's `escape` gives the same, behind a wrapper that
    checks its arguments for lazy objects), anything else by `conditional_escape`."""
    return html.escape(value) if type(value) is str else conditional_escape(value)


@register.simple_tag
def detail_rows(rows) -> str:
    """One detail section's rows (search.presentation.Row) as table rows: the HTML that
    templates/search/_detail_rows.html renders, built here in Python. In the template
    each row cost five variable lookups, each resolved, localised and escaped by the
    template engine: half of the detail page's rendering (docs/performance.md).
    tests/search/test_detail_rows.py holds the two to the same output."""
    built = []
    for row in rows:
        since = row.effective_from
        built.append(
            f'<tr><th scope="row">{_escaped(row.label)}</th><td>{_escaped(row.value or "—")}</td>'
            f"<td>{_escaped(row.meaning)}</td><td>"
            + (
                f'from <time datetime="{since.isoformat()}">{uk_date(since)}</time>'
                if since
                else ""
            )
            + "</td></tr>"
        )
    return mark_safe("".join(built))  # noqa: S308 - every value is escaped above
