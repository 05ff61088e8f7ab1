from django import template
from django.conf import settings

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
