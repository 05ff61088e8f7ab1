"""Every URL pattern of the project, walked from the root resolver."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    """One URL pattern: its route as written (prefixes joined) and its name."""

    route: str
    name: str
    params: tuple[str, ...]

    def __str__(self) -> str:
        return self.route


_CONVERTER_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>")


def _params(route: str) -> tuple[str, ...]:
    without_regex_groups = re.sub(r"\(\?P<\w+>[^)]*\)", "", route)
    return tuple(_REGEX_PARAM.findall(route) + _CONVERTER_PARAM.findall(without_regex_groups))


def _walk(patterns, prefix: str, namespace: str):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if namespace and name:
                name = f"{namespace}:{name}"
            yield Route(route=route, name=name, params=_params(route))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", ""))


def fill(route: str, values: dict[str, str]) -> str:
    """The route with each parameter replaced by its value and regex syntax removed."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    path = _CONVERTER_PARAM.sub(lambda m: values[m.group(1)], path)
    # Leftover regex syntax of allauth's and the admin's patterns.
    path = path.replace("^", "").replace("$", "")
    return "/" + path
