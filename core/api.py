"""The API's one error shape: {"error": {"code": ..., "message": ..., "field": ...}}.

Set as REST_FRAMEWORK["EXCEPTION_HANDLER"]. DRF's own handler decides the status and
headers; this one only rewrites the body, naming the first invalid field (if any).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling takes over
    code, message, field = first_error(exc.detail if hasattr(exc, "detail") else str(exc))
    response.data = {"error": {"code": code, "message": message, "field": field}}
    return response


def first_error(detail, field=None):
    """Walk DRF's nested detail down to its first message and the field that holds it."""
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        if key not in ("non_field_errors", "__all__"):
            field = key if field is None else f"{field}.{key}"
        return first_error(value, field)
    if isinstance(detail, list):
        return first_error(detail[0], field) if detail else ("error", "", field)
    return getattr(detail, "code", "error"), str(detail), field


# The schema's description of the one error shape, for every API view's responses.
ERROR_RESPONSE = OpenApiResponse(
    description='The one error shape: {"error": {"code": ..., "message": ..., "field": ...}}'
)


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with a short way for a client that accepts anything.

    DRF parses the Accept header and the query string (for `?format=`) at every request,
    about 3 % of an API lookup (docs/performance.md). A request with no Accept header, or
    `*/*`, and no `format=` in its query string gets the first renderer either way, which
    is answered here without parsing; anything else goes through DRF.
    tests/core/test_api.py holds the two to the same choices."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            accept == "*/*"
            and not format_suffix
            and "format=" not in request.META.get("QUERY_STRING", "")
        ):
            renderer = renderers[0]
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
