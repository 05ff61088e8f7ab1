"""`{% link "name" %}`: `{% url "name" %}` for a URL without arguments, reversed once per
process. Every page's header and menu show about fifteen such links, and Django's
`reverse` costs about 40 µs each (a tenth of a detail page's time; docs/performance.md).
The answer depends on the URLconf and the script prefix only, so both are in the key."""

import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.simple_tag
def link(name: str) -> str:
    return _reversed(name, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=128)
def _reversed(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)
