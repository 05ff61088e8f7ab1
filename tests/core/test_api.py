import pytest
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.api import api_exception_handler


def handled(exc):
    request = APIRequestFactory().get("/api/v1/anything/")
    return api_exception_handler(exc, {"view": APIView(), "request": request})


def test_a_validation_error_names_its_first_field_and_code():
    response = handled(
        exceptions.ValidationError(
            {"postcode": [exceptions.ErrorDetail("Too long.", "max_length")]}
        )
    )
    assert response.status_code == 400
    assert response.data == {
        "error": {"code": "max_length", "message": "Too long.", "field": "postcode"}
    }


def test_a_nested_field_is_named_with_dots_and_non_field_errors_have_none():
    nested = handled(exceptions.ValidationError({"rows": {"0": ["Bad row."]}}))
    assert nested.data["error"]["field"] == "rows.0"
    general = handled(exceptions.ValidationError({"non_field_errors": ["Pick one."]}))
    assert general.data["error"] == {"code": "invalid", "message": "Pick one.", "field": None}


def test_other_api_errors_keep_their_status_and_headers():
    response = handled(exceptions.Throttled(wait=30))
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.data["error"]["code"] == "throttled"


def test_an_unexpected_error_is_left_to_django():
    assert handled(RuntimeError("boom")) is None


# --- Content negotiation: the short way held to DRF's ------------------------------------------


def _choice(negotiation, renderers, path: str, accept: str | None, suffix=None):
    from django.http import Http404
    from rest_framework.request import Request

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(path, **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except (exceptions.NotAcceptable, Http404) as refused:
        return type(refused).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize(
    ("path", "accept", "suffix"),
    [
        ("/api/v1/x/", None, None),
        ("/api/v1/x/", "*/*", None),
        ("/api/v1/x/", "", None),
        ("/api/v1/x/", "application/json", None),
        ("/api/v1/x/", "text/html", None),
        ("/api/v1/x/", "text/html;q=0.9, */*;q=0.1", None),
        ("/api/v1/x/?format=json", None, None),
        ("/api/v1/x/?format=xml", "*/*", None),
        ("/api/v1/x/?postcode=E1&format=api", None, None),
        ("/api/v1/x/", None, "json"),
        ("/api/v1/x/", "*/*", "xml"),
    ],
)
def test_the_short_negotiation_chooses_what_drf_chooses(path, accept, suffix):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

    from core.api import ContentNegotiation

    for renderers in ([JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]):
        ours = _choice(ContentNegotiation(), renderers, path, accept, suffix)
        assert ours == _choice(DefaultContentNegotiation(), renderers, path, accept, suffix)
