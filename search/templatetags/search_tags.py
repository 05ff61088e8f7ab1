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
