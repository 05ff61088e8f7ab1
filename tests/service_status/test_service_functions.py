"""The service-function table matches the URLs the portal serves, both ways.

The URL patterns are walked from the root resolver (ours, allauth's, the admin's, the
API's, health): each one must belong to exactly one service function, and every prefix
in the table must match at least one of them. Static files are the one exception: they
are served by WhiteNoise before URL resolution, so no pattern stands behind `/static/`.
"""

import re

import pytest
from django.conf import settings

from service_status import functions as sf
from tests.security.routes import all_routes, fill

TABLE = "service_status/functions.py"
# Functions that own no path, on purpose.
PATHLESS = {
    sf.D0312_MAINTENANCE,  # D0312 files come through flow upload; asked about by name
    sf.OTHER,  # the paths no URL serves
}


def _url(route) -> str:
    """The route as a path, every parameter filled with a harmless value."""
    return fill(route.route, dict.fromkeys(route.params, "1"))


def _literal_prefix(route) -> str:
    """'/extracts/' for 'extracts/<int:pk>/download/': the route up to its first parameter."""
    literal = re.split(r"[<(^]", route.route, maxsplit=1)[0]
    first_segment = literal.split("/")[0]
    return f"/{first_segment}/" if first_segment else "/"


def _owners(path: str) -> set[str]:
    """The functions holding the longest prefix that matches `path`."""
    if path == "/":
        return {f.name for f in sf.SERVICE_FUNCTIONS if "/" in f.prefixes}
    matches = [
        (len(prefix), function.name)
        for function in sf.SERVICE_FUNCTIONS
        for prefix in function.prefixes
        if prefix != "/" and (path.startswith(prefix) or path == prefix.rstrip("/"))
    ]
    if not matches:
        return set()
    longest = max(length for length, _ in matches)
    return {name for length, name in matches if length == longest}


ROUTES = all_routes()


def test_every_url_the_portal_serves_belongs_to_exactly_one_service_function():
    problems = []
    for route in ROUTES:
        path = _url(route)
        owners = _owners(path)
        if len(owners) == 1:
            continue
        where = f"{path} (URL pattern {route.route!r}, name {route.name or '-'!r})"
        if not owners:
            problems.append(
                f"{where} belongs to no service function: add its prefix, e.g. "
                f"{_literal_prefix(route)!r}, to the `prefixes` of the function it is part "
                f"of in {TABLE} (a feature that is restricted like reports or bulk search "
                "is usually a function of its own: add a ServiceFunction, say in "
                "service_status/modes.py which modes allow it, and give it a row "
                "in tests/service_status/test_policy.py)."
            )
        else:
            problems.append(
                f"{where} belongs to several functions ({sorted(owners)}): one prefix is "
                f"listed twice in {TABLE}; keep it in one function."
            )
    assert problems == [], "\n".join(problems)


def test_every_prefix_in_the_table_matches_a_url_the_portal_serves():
    paths = [_url(route) for route in ROUTES]
    unmatched = []
    for function in sf.SERVICE_FUNCTIONS:
        for prefix in function.prefixes:
            if function.name == sf.STATIC:
                assert prefix == settings.STATIC_URL  # served by WhiteNoise, not a URL pattern
                continue
            if prefix == "/":
                matched = "/" in paths
            else:
                matched = any(p.startswith(prefix) or p == prefix.rstrip("/") for p in paths)
            if not matched:
                unmatched.append(
                    f"{prefix!r} of {function.name!r} matches no URL: remove it from {TABLE}, "
                    "or add the feature's URLs first."
                )
    assert unmatched == [], "\n".join(unmatched)


def test_no_prefix_is_listed_twice():
    prefixes = [p for f in sf.SERVICE_FUNCTIONS for p in f.prefixes]
    assert sorted({p for p in prefixes if prefixes.count(p) > 1}) == []


def test_only_the_deliberately_pathless_functions_own_no_path():
    assert {f.name for f in sf.SERVICE_FUNCTIONS if not f.prefixes} == PATHLESS


@pytest.mark.parametrize(
    ("path", "function"),
    [
        ("/", sf.PRIMARY_SEARCH),
        ("/search/", sf.PRIMARY_SEARCH),
        ("/search/export.csv", sf.EXPORTS),
        ("/search/usage/", sf.USAGE_REPORTS),
        ("/api/v1/metering-points/1800021679848/", sf.PRIMARY_SEARCH),
        ("/accounts/login/", sf.SIGN_IN),
        ("/admin/login/", sf.SIGN_IN),
        ("/accounts/password/reset/", sf.USER_MANAGEMENT),
        ("/organisation/users/", sf.USER_MANAGEMENT),
        ("/organisation/api-keys/", sf.USER_MANAGEMENT),
        ("/reports/", sf.REPORTS),
        ("/reports", sf.REPORTS),
        ("/api/v1/bulk-searches/7/", sf.BULK_SEARCH),
        ("/flows/upload/", sf.FLOW_UPLOAD),
        ("/admin/service_status/", sf.ADMIN),
        ("/api/docs/", sf.API_DOCS),
        ("/api/v1/something-new/", sf.OTHER),
        ("/health/ready/", sf.HEALTH),
        ("/service-status/feed/", sf.SERVICE_STATUS),
        ("/api/v1/service-status/", sf.SERVICE_STATUS),
        ("/static/css/ecoes.css", sf.STATIC),
        ("/reportsx/", sf.OTHER),
        ("/nowhere/", sf.OTHER),
    ],
)
def test_a_path_belongs_to_the_function_with_the_longest_prefix(path, function):
    assert sf.function_for_path(path).name == function


def test_an_unknown_function_name_is_refused_with_the_known_names():
    with pytest.raises(sf.UnknownServiceFunction, match="d0312_maintenance"):
        sf.service_function("d0312")


def test_the_plumbing_cannot_be_retired():
    retirable = dict(sf.RETIRABLE_FUNCTION_CHOICES)
    assert sf.D0312_MAINTENANCE in retirable
    for name in (sf.HEALTH, sf.SERVICE_STATUS, sf.STATIC, sf.SIGN_IN, sf.ADMIN, sf.OTHER):
        assert name not in retirable
