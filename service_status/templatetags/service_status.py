from django import template

from service_status.context_processors import ServiceStatusContext
from service_status.timefmt import uk_period, uk_stamp, uk_time

register = template.Library()


@register.inclusion_tag("service_status/banners.html", takes_context=True)
def service_banners(context):
    """The status banners: the mode if not normal, announced windows, the latest broadcast."""
    status = context.get("service_status")
    if status is None and context.get("request") is not None:
        status = ServiceStatusContext(context["request"])
    return {"service_status": status}


@register.simple_tag(takes_context=True)
def function_is_available(context, name: str) -> bool:
    """`{% function_is_available "reports" as show_reports %}` to hide links.

    Shows the link when the status cannot be read: a page must still render."""
    status = context.get("service_status") or ServiceStatusContext(context.get("request"))
    return status.available[name]


register.filter("uk_time", uk_time)
register.filter("uk_stamp", uk_stamp)


@register.simple_tag
def uk_window(starts_at, ends_at) -> str:
    return uk_period(starts_at, ends_at)
