"""The API's one error shape: {"error": {"code": ..., "message": ..., "field": ...}}."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_response(code: str, message: str, *, field: str | None = None, status_code: int = 400):
    return Response(
        {"error": {"code": code, "message": message, "field": field}}, status=status_code
    )


def exception_handler(exc, context):
    """Every error DRF knows about, in the one shape; others stay 500s."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    field, message = None, str(getattr(exc, "detail", exc))
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        field, errors = next(iter(exc.detail.items()))
        message = str(errors[0] if isinstance(errors, list) else errors)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        message = str(exc.detail[0])
    code = getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_404_NOT_FOUND:
        code = "not_found"
    response.data = {"error": {"code": code, "message": message, "field": field}}
    return response
