"""The answers for a refused request: 503 (restricted/offline) and 410 (retired).

API paths (/api/...) get JSON in the project's error shape; pages get HTML. The offline
page is rendered from a self-contained template without the request, so no context
processor runs and answering it needs no database.
"""

from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from service_status.modes import ServiceMode
from service_status.queries import AccessDecision, ModeState
from service_status.timefmt import iso_uk, uk_time

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


def unavailable_message(decision: AccessDecision) -> str:
    state = decision.state
    what = decision.function.label
    if state.mode == ServiceMode.OFFLINE:
        text = "The service is offline"
    else:
        text = f"{what} is not available while the service is restricted"
    if state.reason:
        text += f" ({state.reason})"
    if decision.available_from is not None:
        text += f"; it is expected back at {uk_time(decision.available_from)} (UK time)."
    else:
        text += "; check the service status page for when it is expected back."
    return text


def _finish(response: HttpResponse, retry_after: int | None) -> HttpResponse:
    # A planned refusal is not a server error: keep it out of django.request's error log.
    response._has_been_logged = True
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def unavailable_response(request: HttpRequest, decision: AccessDecision, at: datetime):
    retry_after = decision.retry_after(at)
    state = decision.state
    code = "service_offline" if state.mode == ServiceMode.OFFLINE else "service_restricted"
    message = unavailable_message(decision)
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


def retired_response(request: HttpRequest, decision: AccessDecision) -> HttpResponse:
    retirement = decision.retirement
    if request.path_info.startswith(API_PREFIX):
        body = error_body("function_retired", retirement.message) | {
            "function": retirement.function,
            "retired_from": iso_uk(retirement.retired_from),
        }
        response = JsonResponse(body, status=410)
    else:
        response = render(
            request, "service_status/retired.html", {"retirement": retirement}, status=410
        )
    return _finish(response, None)
