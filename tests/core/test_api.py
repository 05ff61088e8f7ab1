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
