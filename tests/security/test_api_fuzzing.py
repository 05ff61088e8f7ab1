"""Schemathesis against /api/schema/: whatever the generated requests, no server error.

The WSGI application is called in-process, as organisation A's admin (A is a meter
operator, so the flow upload is reached too) with a session and a CSRF token. The number
of examples per operation is bounded so the whole run stays well under a minute.
"""

import io
import os
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from werkzeug.test import Client as WerkzeugClient

# A CSRF secret of the accepted length; sent as cookie and header, as a browser would.
CSRF_SECRET = "s" * 32
# More for a deeper run: FUZZ_EXAMPLES=1000 make test PYTEST_ARGS=tests/security/test_api_fuzzing.py
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "50"))


def _schema():
    """The document /api/schema/ serves (made without a request, so at collection time),
    with the WSGI application to call."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """The WSGI handler closes the database connection around each request, which would
    end the test's transaction (and its data); Django's test client avoids it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class Auth:
    headers: dict[str, str]
    cookies: dict[str, str]


def _auth(kind: str, world) -> Auth:
    """Organisation A's admin's session (with a CSRF token), or A's API key."""
    if kind == "api_key":
        return Auth(headers={"Authorization": f"Api-Key {world.api_key_text}"}, cookies={})
    client = Client()
    client.force_login(world.admin_a)
    return Auth(
        headers={"X-CSRFToken": CSRF_SECRET},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET},
    )


@pytest.fixture(params=["session", "api_key"])
def auth(request, world, settings) -> Auth:
    # Let the fuzzer past the request-rate limits and the daily caps.
    settings.SEARCH_API_USER_RATE = "100000/minute"
    settings.SEARCH_API_KEY_RATE = "100000/minute"
    settings.SEARCH_DAILY_CAP = 100000
    settings.SEARCH_API_KEY_DAILY_CAP = 100000
    return _auth(request.param, world)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_api_fail(case, auth):
    case.call_and_validate(headers=auth.headers, cookies=auth.cookies, checks=[not_a_server_error])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("session", "/api/v1/metering-points/{core}/"),
        ("session", "/api/v1/reports/"),
        ("session", "/api/v1/flows/{flow}/"),
        ("api_key", "/api/v1/metering-points/{core}/"),
    ],
)
def test_the_fuzzer_is_signed_in(world, kind, path):
    """Guards the test above: its requests are answered, not refused at the door."""
    auth = _auth(kind, world)
    url = path.format(core=world.metering_point.mpan_core, flow=world.flow_file.pk)
    client = WerkzeugClient(schema.app)
    for name, value in auth.cookies.items():
        client.set_cookie(name, value)
    assert client.get(url, headers=auth.headers).status_code == 200


@pytest.mark.django_db
def test_the_fuzzer_may_post_a_flow_file(world):
    """The upload is reached too: the CSRF token is accepted."""
    auth = _auth("session", world)
    client = WerkzeugClient(schema.app)
    for name, value in auth.cookies.items():
        client.set_cookie(name, value)
    response = client.post(
        "/api/v1/flows/",
        headers=auth.headers,
        data={"file": (io.BytesIO(b"not a flow"), "x.txt")},
    )
    assert response.status_code == 202
