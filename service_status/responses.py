"""The answers for a refused request: 503 (restricted/offline) and 410 (retired).

API paths (/api/...) get JSON in the project's error shape; pages get HTML. The offline
page is rendered from a self-contained template without the request, so no context
processor runs and answering it needs no database.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from service_status.modes import ServiceMode
from service_status.policy import Access
from service_status.queries import ModeState
from service_status.timefmt import iso_uk

API_PREFIX = "/api/"


def error_body(code: str, message: str, field: str | None = None) -> dict:
    """The project's one API error shape."""
    return {"error": {"code": code, "message": message, "field": field}}


def state_as_json(state: ModeState) -> dict | None:
    """The window (or manual mode) that sets the mode, for API answers."""
    if state.source == "normal":
        return None
    return {
        "source": state.source,
        "mode": state.mode,
        "starts_at": iso_uk(state.window.starts_at) if state.window else None,
        "ends_at": iso_uk(state.ends_at),
        "reason": state.reason,
        "message": state.message,
    }


def _finish(response: HttpResponse, retry_after: int | None) -> HttpResponse:
    # A planned refusal is not a server error: keep it out of django.request's error log.
    response._has_been_logged = True
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def refused_response(request: HttpRequest, decision: Access) -> HttpResponse:
    """The answer for a request the access policy refused: 410 or 503."""
    if decision.status == 410:
        return retired_response(request, decision)
    return unavailable_response(request, decision)


def unavailable_response(request: HttpRequest, decision: Access) -> HttpResponse:
    retry_after = decision.retry_after
    state = decision.state
    code = "service_offline" if state.mode == ServiceMode.OFFLINE else "service_restricted"
    message = decision.message
    if request.path_info.startswith(API_PREFIX):
        body = error_body(code, message) | {
            "mode": state.mode,
            "window": state_as_json(state),
            "retry_after": retry_after,
        }
        return _finish(JsonResponse(body, status=503), retry_after)
    context = {
        "state": state,
        "function": decision.function,
        "message": message,
        "available_from": decision.available_from,
    }
    if state.mode == ServiceMode.OFFLINE:
        # No request: no context processors, no session or user, no database.
        response = HttpResponse(
            render_to_string("service_status/offline.html", context), status=503
        )
    else:
        response = render(request, "service_status/unavailable.html", context, status=503)
    return _finish(response, retry_after)


def retired_response(request: HttpRequest, decision: Access) -> HttpResponse:
    # Retired for good: never a Retry-After, whatever the mode.
    retirement = decision.retirement
    if request.path_info.startswith(API_PREFIX):
        body = error_body("function_retired", retirement.message) | {
            "function": retirement.function,
            "retired_from": iso_uk(retirement.retired_from),
        }
        response = JsonResponse(body, status=410)
    elif decision.state is not None and decision.state.mode == ServiceMode.OFFLINE:
        # As the offline page: no request, so no session or database while offline.
        context = {"heading": f"{retirement.label} is no longer available"}
        context["message"] = retirement.message
        response = HttpResponse(
            render_to_string("service_status/offline.html", context), status=410
        )
    else:
        response = render(
            request, "service_status/retired.html", {"retirement": retirement}, status=410
        )
    return _finish(response, None)
