from django import template

from registry.queries import user_may_send_flows

register = template.Library()


@register.simple_tag(takes_context=True)
def may_send_flows(context) -> bool:
    """`{% may_send_flows as show %}`: whether the user may upload and list flow files."""
    request = context.get("request")
    return request is not None and user_may_send_flows(request.user)
