"""The portal's error pages (400, 403, 404, 500), set as Django's handlers in config.urls.

Each says in plain words what happened, gives the reason the code raised (a
PermissionDenied or SuspiciousOperation message written for people), and a way back.
The 500 page is a static template rendered without the request: no context processors,
no session, no database, so it still shows when the database is what failed.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# Django's own messages for exceptions raised without one; not worth showing.
_NOT_A_REASON = {"", "Permission denied", "Bad Request"}


def _reason(exception) -> str:
    text = str(exception) if exception is not None else ""
    return "" if text in _NOT_A_REASON else text


def _error_page(request, status: int, heading: str, explanation: list[str], reason: str = ""):
    context = {"status": status, "heading": heading, "explanation": explanation, "reason": reason}
    return render(request, "errors/page.html", context, status=status)


def bad_request(request: HttpRequest, exception) -> HttpResponse:
    # The reason of a SuspiciousOperation (a forged host, a tampered cookie) is for the
    # log, not for whoever sent it.
    return _error_page(
        request,
        400,
        "The request could not be understood",
        [
            "Your browser sent something the service could not read.",
            "Go back, reload the page and try again.",
        ],
    )


def permission_denied(request: HttpRequest, exception) -> HttpResponse:
    return _error_page(
        request,
        403,
        "You cannot use this page",
        ["Your account does not allow this. Your organisation admin can tell you who may."],
        _reason(exception),
    )


def page_not_found(request: HttpRequest, exception) -> HttpResponse:
    return _error_page(
        request,
        404,
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you followed a link, what it pointed to may have been removed, or may "
            "belong to another organisation.",
        ],
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())
