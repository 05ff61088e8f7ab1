"""Who gets what, for every URL pattern of the project.

One test per URL pattern (walked from the root resolver, HTML and API alike), asking as
anonymous, a user of organisation A, the admin of A, a user of B, the admin of B and a
service admin (with TOTP). Object URLs are filled with organisation A's objects, so the
columns of B must never show A's data. A URL pattern that is not in MATRIX fails: a new
view must say here who may use it.

Each request runs in a transaction that is rolled back, so a POST by one role (an admin
deactivating a user) does not change what the next role sees.

Expected answers: a status code, "login" (302 to the login page), "admin-login" (302 to
the admin's login, which sends on to ours), or "302>/path/" for another redirect.
"""

import pytest
from django.db import transaction

from accounts.roles import MarketRole
from bench.generate import metering_points, mpan_core
from tests.factories import MeteringPointFactory, OrganisationFactory
from tests.registry.conftest import (
    meter_information_bytes,
    points,
    refresh_bytes,
    relationships_bytes,
    send,
    unknown_core,
)
from tests.security.conftest import ROLES, client_as
from tests.security.routes import Route, all_routes, fill
from tests.security.snapshot import registry_changes, registry_snapshot

L = "login"
AL = "admin-login"
ANY = (200,) * 6


def each(answer):
    return (answer,) * 6


# Route (as written in the URLconf, prefixes joined) -> method -> answers in ROLES order:
# anonymous, member_a, admin_a, member_b, admin_b, service_admin.
MATRIX: dict[str, dict[str, tuple]] = {
    # --- ecoes: home, health, service status, API schema and docs -----------------------
    "": {"GET": (L, 200, 200, 200, 200, 200), "POST": (L, *((405,) * 5))},
    "health/": {"GET": ANY, "POST": each(405)},
    "health/ready/": {"GET": ANY, "POST": each(405)},
    "service-status/": {"GET": ANY, "POST": each(405)},
    # A syndication feed answers any method the same; it is public.
    "service-status/feed/": {"GET": ANY, "POST": ANY},
    "api/v1/service-status/": {"GET": ANY, "POST": each(405)},
    # The API's description is public, as is usual; it holds no data.
    "api/schema/": {"GET": ANY, "POST": each(405)},
    "api/docs/": {"GET": ANY, "POST": each(405)},
    # --- accounts: our invitation page and allauth's pages ------------------------------
    # A wrong or forged token is refused before anything is looked up.
    "accounts/invite/<str:token>/": {"GET": each(400), "POST": each(400)},
    "accounts/login/": {"GET": (200, *(("302>/",) * 5)), "POST": (200, *(("302>/",) * 5))},
    "accounts/logout/": {"GET": ("302>/", *((200,) * 5)), "POST": each("302>/")},
    "accounts/inactive/": {"GET": ANY, "POST": each(405)},
    # Sign-up is closed (AccountAdapter.is_open_for_signup): a page that says so.
    "accounts/signup/": {"GET": (200, *(("302>/",) * 5)), "POST": (200, *(("302>/",) * 5))},
    "accounts/reauthenticate/": {
        "GET": (L, 200, 200, 200, 200, 200),
        "POST": (L, 200, 200, 200, 200, 200),
    },
    "accounts/reauthenticate/code/": {
        "GET": (L, *(("302>/accounts/reauthenticate/",) * 5)),
        "POST": (L, *(("302>/accounts/reauthenticate/",) * 5)),
    },
    "accounts/reauthenticate/code/confirm/": {
        "GET": (L, *(("302>/accounts/reauthenticate/code/",) * 5)),
        "POST": (L, *(("302>/accounts/reauthenticate/code/",) * 5)),
    },
    # Ours, shadowing allauth's: the address is changed by admins only, never here.
    "accounts/email/": {"GET": (L, 200, 200, 200, 200, 200), "POST": (L, *((405,) * 5))},
    "accounts/confirm-email/": {"GET": ANY, "POST": each(405)},
    # "Stay logged in": a POST that answers 204 and changes nothing but the last activity.
    "accounts/session/keep-alive/": {
        "GET": (L, *((405,) * 5)),
        "POST": (L, *((204,) * 5)),
    },
    "accounts/password/change/": {
        "GET": (L, 200, 200, 200, 200, 200),
        "POST": (L, 200, 200, 200, 200, 200),
    },
    "accounts/password/set/": {
        "GET": (L, *(("302>/accounts/password/change/",) * 5)),
        "POST": (L, *(("302>/accounts/password/change/",) * 5)),
    },
    "accounts/password/reset/": {"GET": ANY, "POST": ANY},
    "accounts/login/code/confirm/": {
        "GET": (L, *(("302>/",) * 5)),
        "POST": (L, *(("302>/",) * 5)),
    },
    # Not a valid key: a page saying the link is bad (GET), nothing to confirm (POST).
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": {"GET": ANY, "POST": each(404)},
    "accounts/password/reset/key/done/": {"GET": ANY, "POST": each(405)},
    # A bad reset link: allauth's "this link is invalid" page, whoever asks.
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": {
        "GET": ANY,
        "POST": ANY,
    },
    "accounts/password/reset/done/": {"GET": ANY, "POST": each(405)},
    "accounts/2fa/": {"GET": (L, 200, 200, 200, 200, 200), "POST": (L, *((405,) * 5))},
    "accounts/2fa/authenticate/": {"GET": (L, *(("302>/",) * 5)), "POST": (L, *(("302>/",) * 5))},
    # Only someone with an authenticator has something to re-authenticate with.
    "accounts/2fa/reauthenticate/": {
        "GET": (L, *(("302>/accounts/reauthenticate/",) * 4), 200),
        "POST": (L, *(("302>/accounts/reauthenticate/",) * 4), 200),
    },
    # Changing the second factor needs a fresh authentication (the service admin's was
    # made with force_login, so it is not fresh).
    "accounts/2fa/totp/activate/": {
        "GET": (L, 200, 200, 200, 200, "302>/accounts/reauthenticate/"),
        "POST": (L, 200, 200, 200, 200, "302>/accounts/reauthenticate/"),
    },
    "accounts/2fa/totp/deactivate/": {
        "GET": (L, 404, 404, 404, 404, "302>/accounts/reauthenticate/"),
        "POST": (L, 404, 404, 404, 404, "302>/accounts/reauthenticate/"),
    },
    "accounts/2fa/recovery-codes/": {"GET": (L, *((404,) * 5)), "POST": (L, *((405,) * 5))},
    "accounts/2fa/recovery-codes/generate/": {
        "GET": (L, 200, 200, 200, 200, "302>/accounts/reauthenticate/"),
        "POST": (L, 200, 200, 200, 200, "302>/accounts/reauthenticate/"),
    },
    "accounts/2fa/recovery-codes/download/": {
        "GET": (L, *((404,) * 5)),
        "POST": (L, *((404,) * 5)),
    },
    "accounts/sessions/": {
        "GET": (L, 200, 200, 200, 200, 200),
        "POST": (L, *(("302>/accounts/sessions/",) * 5)),
    },
    # --- organisation admin screens: only A's admin sees A's users --------------------
    # A plain user is told nothing exists (404); B's admin sees B's own pages; a service
    # admin's organisation is the operator's (A's users are managed in the Django admin).
    "organisation/": {
        "GET": (L, 404, 200, 404, 200, 200),
        "POST": (L, 404, 200, 404, 200, 200),
    },
    "organisation/mfa/": {
        "GET": (L, 404, 405, 404, 405, 405),
        "POST": (L, 404, "302>/organisation/", 404, "302>/organisation/", "302>/organisation/"),
    },
    "organisation/users/": {
        "GET": (L, 404, 200, 404, 200, 200),
        "POST": (L, 404, 200, 404, 200, 200),
    },
    "organisation/users/invite/": {
        "GET": (L, 404, 200, 404, 200, 200),
        "POST": (L, 404, 200, 404, 200, 200),
    },
    "organisation/users/<int:user_id>/": {
        "GET": (L, 404, 200, 404, 404, 404),
        "POST": (L, 404, 405, 404, 405, 405),
    },
    "organisation/users.csv": {
        "GET": (L, 404, 200, 404, 200, 200),
        "POST": (L, 404, 405, 404, 405, 405),
    },
    "organisation/audit/": {
        "GET": (L, 404, 200, 404, 200, 200),
        "POST": (L, 404, 405, 404, 405, 405),
    },
    # --- reports: A's report is A's (and the service desk's) ----------------------------
    "reports/": {"GET": (L, 200, 200, 200, 200, 200), "POST": each(405)},
    # --- bulk: jobs are the organisation's own (service admins see them in the admin) ---
    "bulk/": {"GET": (L, 200, 200, 200, 200, 200), "POST": (L, 400, 400, 400, 400, 400)},
    "bulk/<int:pk>/": {"GET": (L, 200, 200, 404, 404, 404), "POST": each(405)},
    "bulk/<int:pk>/status.json": {"GET": (L, 200, 200, 404, 404, 404), "POST": each(405)},
    "bulk/<int:pk>/cancel/": {
        "GET": each(405),
        "POST": (L, "302>/bulk/{pk}/", "302>/bulk/{pk}/", 404, 404, 404),
    },
    "api/v1/bulk-searches/": {"GET": (401, *((200,) * 5)), "POST": (401, *((400,) * 5))},
    "api/v1/bulk-searches/<int:pk>/": {
        "GET": (401, 200, 200, 404, 404, 404),
        "POST": (401, *((405,) * 5)),
    },
    "api/v1/bulk-searches/<int:pk>/cancel/": {
        "GET": (401, *((405,) * 5)),
        "POST": (401, 200, 200, 404, 404, 404),
    },
    # --- extracts: the organisation's files; requests by organisation admins only ------
    "extracts/": {"GET": (L, 200, 200, 200, 200, 200), "POST": each(405)},
    "extracts/request/": {
        "GET": each(405),
        "POST": (L, 403, "302>/extracts/", 403, "302>/extracts/", "302>/extracts/"),
    },
    "extracts/subscription/": {
        "GET": each(405),
        "POST": (L, 403, "302>/extracts/", 403, "302>/extracts/", "302>/extracts/"),
    },
    # An empty form is a 400 for everyone signed in; each adds only their own key.
    "extracts/ssh-keys/": {"GET": (L, 200, 200, 200, 200, 200), "POST": (L, *((400,) * 5))},
    # A's member's key: its owner and A's admin remove it; anyone else is told nothing.
    "extracts/ssh-keys/<int:key_id>/remove/": {
        "GET": each(405),
        "POST": (L, "302>/extracts/ssh-keys/", "302>/extracts/ssh-keys/", 404, 404, 404),
    },
    "reports/<int:pk>/download/": {"GET": (L, 200, 200, 404, 404, 200), "POST": each(405)},
    "api/v1/reports/": {"GET": (401, *((200,) * 5)), "POST": (401, *((405,) * 5))},
    "api/v1/reports/<int:pk>/download/": {
        "GET": (401, 200, 200, 404, 404, 200),
        "POST": (401, *((405,) * 5)),
    },
    # --- flows: senders only (A is a meter operator; B supplies only) ------------------
    "flows/": {"GET": (L, 200, 200, 403, 403, 200), "POST": (L, *((405,) * 5))},
    "flows/upload/": {
        "GET": (L, 200, 200, 403, 403, 200),
        "POST": (L, 200, 200, 403, 403, 200),
    },
    "flows/<int:flow_file_id>/": {
        "GET": (L, 200, 200, 404, 404, 200),
        "POST": (L, 200, 200, 404, 404, 200),
    },
    # An empty upload is a 400 for senders; others are refused before reading it.
    "api/v1/flows/": {"GET": (403, *((405,) * 5)), "POST": (403, 400, 400, 403, 403, 400)},
    "api/v1/flows/<int:flow_file_id>/": {
        "GET": (403, 200, 200, 404, 404, 200),
        "POST": (403, *((405,) * 5)),
    },
    # --- search: metering points are everybody's; usage and keys are admins' ------------
    "search/": {"GET": (L, 200, 200, 200, 200, 200), "POST": each(405)},
    # No query given: 400 for everyone signed in.
    "search/address/": {"GET": (L, 200, 200, 200, 200, 200), "POST": each(405)},
    "search/export.csv": {"GET": (L, 400, 400, 400, 400, 400), "POST": each(405)},
    "search/usage/": {"GET": (L, 403, 200, 403, 200, 200), "POST": each(405)},
    "metering-points/<str:mpan_core>/": {
        "GET": (L, 200, 200, 200, 200, 200),
        "POST": each(405),
    },
    "organisation/api-keys/": {
        "GET": (L, 403, 200, 403, 200, 200),
        "POST": (L, 403, 200, 403, 200, 200),
    },
    # A page asking for the key's name (GET); a POST without the name revokes nothing.
    "organisation/api-keys/<str:prefix>/revoke/": {
        "GET": (L, 403, 200, 403, 404, 404),
        "POST": (L, 403, 200, 403, 404, 404),
    },
    "api/v1/metering-points/": {"GET": (401, *((400,) * 5)), "POST": (401, *((405,) * 5))},
    "api/v1/metering-points/<str:mpan_core>/": {
        "GET": (401, *((200,) * 5)),
        "POST": (401, *((405,) * 5)),
    },
    "api/v1/metering-points/<str:mpan_core>/related/": {
        "GET": (401, *((200,) * 5)),
        "POST": (401, *((405,) * 5)),
    },
    # An empty batch is refused whole (400) for everyone signed in.
    "api/v1/metering-points/batch/": {
        "GET": (401, *((405,) * 5)),
        "POST": (401, *((400,) * 5)),
    },
}

# The user actions of the organisation admin screens: POST only, A's admin only.
for _action in ("role", "deactivate", "reactivate", "password-reset", "mfa-reset", "invite"):
    MATRIX[f"organisation/users/<int:user_id>/{_action}/"] = {
        "GET": (L, 404, 405, 404, 405, 405),
        "POST": (L, 404, "302>/organisation/users/{user_id}/", 404, 404, 404),
    }
# Deleting the member sends A's admin back to the user list.
MATRIX["organisation/users/<int:user_id>/delete/"] = {
    "GET": (L, 404, 405, 404, 405, 405),
    "POST": (L, 404, "302>/organisation/users/", 404, 404, 404),
}
# The destructive ones first show a page that says what will happen (GET).
for _action in ("deactivate", "mfa-reset", "delete"):
    MATRIX[f"organisation/users/<int:user_id>/{_action}/"]["GET"] = (L, 404, 200, 404, 404, 404)

# --- The Django admin (third-party views), covered by its prefix -----------------------
# Everything under admin/ is behind AdminSite.has_permission (active staff with the
# service-admin role, in a session that proved two factors): every other
# role is sent to the admin's login, which sends on to ours. A service admin may use it,
# except to add rows to tables that are written only by the service layer or are audit.
ADMIN_PREFIX = "admin/"
ADMIN_ADD_REFUSED = {
    "service_status_servicestatuschange",
    "accounts_accountevent",
    "registry_meteringpoint",
    "registry_relatedmpan",
    "registry_flowfile",
    "accounts_organisationapikey",
    "search_searchevent",
    "reports_report",
    "reports_reportdownload",
    "bulk_bulksearch",
    "bulk_bulksearchinput",
    "extracts_extract",
    "extracts_extractdisclosure",
    "extracts_sshpublickey",
    # Authenticators are set up by their users only; the desk may only remove one.
    "mfa_authenticator",
}
ADMIN_EXPLICIT: dict[str, dict[str, tuple]] = {
    # Signed-in users who are not staff are refused (accounts.admin._admin_login);
    # anonymous visitors are sent to our login page, where MFA applies.
    "admin/login/": {"GET": (L, 403, 403, 403, 403, "302>/admin/")},
    "admin/logout/": {
        "GET": (*(("302>/admin/",) * 5), 405),
        "POST": (*(("302>/admin/",) * 5), 200),
    },
    # Needs its query parameters; an empty request is refused.
    "admin/autocomplete/": {"GET": (AL, AL, AL, AL, AL, 403)},
    # The rehearsal of a moment (reads only) and the manual mode: service admins only.
    "admin/service_status/servicestatuschange/preview/": {"GET": (AL, AL, AL, AL, AL, 200)},
    "admin/service_status/servicestatuschange/mode/": {"GET": (AL, AL, AL, AL, AL, 200)},
}
# Admin patterns whose answer depends on an object id or a free path, not on the role:
# the staff check above runs first for all of them (asserted for the other roles); the
# service admin's answers are Django's own.
ADMIN_OBJECT_PARAMS = {"object_id", "id", "content_type_id", "url"}


def _admin_expected(route: Route) -> dict[str, tuple]:
    if route.route in ADMIN_EXPLICIT:
        return ADMIN_EXPLICIT[route.route]
    if ADMIN_OBJECT_PARAMS.intersection(route.params):
        return {"GET": (AL, AL, AL, AL, AL, None)}
    model = route.name.removeprefix("admin:").removesuffix("_add")
    if route.name.endswith("_add") and model in ADMIN_ADD_REFUSED:
        return {"GET": (AL, AL, AL, AL, AL, 403)}
    return {"GET": (AL, AL, AL, AL, AL, 200)}


def expected_answers(route: Route) -> dict[str, tuple]:
    if route.route.startswith(ADMIN_PREFIX):
        return _admin_expected(route)
    return MATRIX[route.route]


ROUTES = all_routes()


BULK_ROUTES = ("bulk/", "api/v1/bulk-searches/")


def _values(world, route: Route | None = None) -> dict[str, str]:
    """Parameter values: organisation A's objects, or harmless junk for free text."""
    is_bulk = route is not None and route.route.startswith(BULK_ROUTES)
    return {
        "user_id": str(world.member_a.pk),
        "pk": str(world.bulk_search.pk if is_bulk else world.report.pk),
        "flow_file_id": str(world.flow_file.pk),
        "mpan_core": world.metering_point.mpan_core,
        "prefix": world.api_key.prefix,
        "token": "not-a-token",
        "key": "not-a-key",
        "uidb36": "1",
        "app_label": "accounts",
        "object_id": str(world.account_event.pk),
        "id": str(world.member_a.pk),
        "content_type_id": "1",
        "url": "nowhere/",
        "key_id": str(world.ssh_key.pk),
    }


def answer(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"].split("?")[0]
        if location == "/accounts/login/":
            return L
        if location == "/admin/login/":
            return AL
        return f"302>{location}"
    return response.status_code


def ask(world, role: str, method: str, url: str) -> object:
    client = client_as(world, role)
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        transaction.set_rollback(True)
    return answer(response)


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = [
        route.route
        for route in ROUTES
        if not route.route.startswith(ADMIN_PREFIX) and route.route not in MATRIX
    ]
    assert missing == [], f"Add these URL patterns to MATRIX: {missing}"


def test_the_matrix_names_no_url_pattern_that_is_gone():
    known = {route.route for route in ROUTES}
    assert sorted(set(MATRIX) - known) == []
    assert sorted(set(ADMIN_EXPLICIT) - known) == []


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_each_role_gets_the_expected_answer(world, route):
    values = _values(world, route)
    url = fill(route.route, values)
    wrong = []
    for method, answers in expected_answers(route).items():
        for role, expected in zip(ROLES, answers, strict=True):
            if expected is None:
                continue
            if isinstance(expected, str):
                expected = expected.format(**values)
            got = ask(world, role, method, url)
            if got != expected:
                wrong.append(f"{method} {url} as {role}: expected {expected}, got {got}")
    assert wrong == []


OBJECT_PARAMS = {"user_id", "pk", "flow_file_id", "prefix"}
NONEXISTENT = {"user_id": "999999", "pk": "999999", "flow_file_id": "999999", "prefix": "zzzzzzzz"}


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if OBJECT_PARAMS.intersection(r.params)],
    ids=str,
)
@pytest.mark.parametrize("role", ["member_b", "admin_b"])
def test_organisation_b_cannot_tell_an_object_of_a_from_one_that_does_not_exist(world, route, role):
    values = _values(world, route)
    a_url = fill(route.route, values)
    nowhere_url = fill(route.route, {**values, **NONEXISTENT})
    for method in ("GET", "POST"):
        got = ask(world, role, method, a_url)
        assert got == ask(world, role, method, nowhere_url), f"{method} {a_url}"
        assert got in (403, 404, 405), f"{method} {a_url} as {role}: {got}"


def test_the_admin_of_b_gets_404_for_each_object_of_a(world):
    """Where B's admin may use the screen at all, A's objects simply do not exist."""
    values = _values(world)
    checks = [
        ("GET", "reports/<int:pk>/download/"),
        ("GET", "api/v1/reports/<int:pk>/download/"),
        ("GET", "api/v1/flows/<int:flow_file_id>/"),
        ("GET", "organisation/users/<int:user_id>/"),
        ("POST", "organisation/users/<int:user_id>/deactivate/"),
        ("POST", "organisation/users/<int:user_id>/delete/"),
        ("POST", "organisation/api-keys/<str:prefix>/revoke/"),
    ]
    for method, route in checks:
        assert ask(world, "admin_b", method, fill(route, values)) == 404, route


# --- Flow writes: which market role may send which flow, for which points ------------------
# The URL matrix above says who may reach the upload page and the API; this one says what
# a file sent by each kind of party does, through the ingest service that every door
# (page, API, inbox, ingest_flow, a service admin sending for a party) reaches. Each file
# names its sender in the header and is sent as that organisation.
#   OK        applied whole
#   REJECTED  the whole file refused (role, or another distributor's data): nothing changes
#   REFUSED   taken, but every record refused as "not appointed to you": nothing changes
OK, REJECTED, REFUSED = "applied", "rejected", "records refused"

# Sender -> (MPID, market role codes). London is distributor 12, Eastern 10; MTRW is the
# MOP appointed to the London point the D0312s name.
FLOW_SENDERS = {
    "supplier": ("SUPP", MarketRole.SUPPLIER),
    "distributor 12": ("LOND", MarketRole.DISTRIBUTOR),
    "distributor 10": ("EELC", MarketRole.DISTRIBUTOR),
    "appointed MOP": ("MTRW", MarketRole.METER_OPERATOR),
    "another MOP": ("HOST", MarketRole.METER_OPERATOR),
    "HH data collector": ("HHDC", MarketRole.HH_DATA_COLLECTOR),
    "NHH data collector": ("NHDC", MarketRole.NHH_DATA_COLLECTOR),
    "service operator": ("DESK", MarketRole.OPERATOR),
}
_FLOW_SENDER_ORDER = tuple(FLOW_SENDERS)

# File -> answers in FLOW_SENDERS order.
FLOW_WRITE_MATRIX: dict[str, tuple] = {
    # supplier, dist 12, dist 10, appointed MOP, another MOP, HHDC, NHHDC, operator
    "D0204 full refresh, R01 naming 12": (
        *(REJECTED, OK, REJECTED),
        *(REJECTED,) * 5,
    ),
    "D0204 selective refresh, R01 naming 12": (
        *(REJECTED, OK, REJECTED),
        *(REJECTED,) * 5,
    ),
    "D0204 selective refresh, R01 naming 10, holding a point of 12": (REJECTED,) * 8,
    "D0312 for a point appointed to MTRW": (
        *(REJECTED,) * 3,
        *(OK, REFUSED),
        *(REJECTED,) * 3,
    ),
    "D0312 for an MPAN core not in the registry": (
        *(REJECTED,) * 3,
        *(REFUSED, REFUSED),
        *(REJECTED,) * 3,
    ),
    "D0386 linking two points of 12": (
        *(REJECTED, OK, REJECTED),
        *(REJECTED,) * 5,
    ),
    "D0386 linking a point of 12 with one of 10": (REJECTED,) * 8,
}


def _flow_file_bytes(case: str, *, mpid: str, london: list[str], eastern: str) -> bytes:
    if case.startswith("D0204"):
        refresh_type = "F" if "full" in case else "S"
        if "naming 10" in case:
            stray = points(1)[0]
            stray.items["gsp_group"] = "_A"
            listed = [*metering_points(1, distributor_id="10", seed=3), stray]
            return refresh_bytes(
                listed, refresh_type=refresh_type, distributor_id="10", from_mpid=mpid
            )
        return refresh_bytes(points(2), refresh_type=refresh_type, from_mpid=mpid)
    if case.startswith("D0312"):
        core = london[0] if "appointed" in case else unknown_core()
        return meter_information_bytes([core], mop=mpid)
    pair = (london[0], london[1]) if "two points" in case else (london[0], eastern)
    return relationships_bytes([pair], from_mpid=mpid)


def _flow_outcome(flow_file) -> str:
    if flow_file.status == "rejected":
        return REJECTED
    if flow_file.rejected_count and not flow_file.accepted_count:
        return REFUSED
    return OK if flow_file.status == "applied" and not flow_file.rejected_count else "partial"


def test_the_flow_write_matrix_names_every_sender_for_every_file():
    assert all(len(answers) == len(FLOW_SENDERS) for answers in FLOW_WRITE_MATRIX.values())


@pytest.mark.parametrize("case", FLOW_WRITE_MATRIX)
@pytest.mark.parametrize("sender", _FLOW_SENDER_ORDER)
def test_each_market_role_may_write_only_its_own_data(case, sender, media_root, db):
    mpid, role_codes = FLOW_SENDERS[sender]
    organisation = OrganisationFactory(mpid=mpid, role_codes=role_codes)
    london = [point.items["mpan_core"] for point in points(2)]
    MeteringPointFactory(mpan_core=london[0], mop_mpid="MTRW")
    MeteringPointFactory(mpan_core=london[1], mop_mpid="SIEM")
    eastern = MeteringPointFactory(
        mpan_core=mpan_core("10", 1234), distributor_id="10", gsp_group="_A"
    ).pk
    expected = FLOW_WRITE_MATRIX[case][_FLOW_SENDER_ORDER.index(sender)]
    before = registry_snapshot()

    flow_file = send(
        _flow_file_bytes(case, mpid=mpid, london=london, eastern=eastern), sender=organisation
    )

    assert _flow_outcome(flow_file) == expected, flow_file.errors
    if expected != OK:
        assert registry_changes(before) == {}
