import pytest


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


# --- The cached policy held to django-csp's own path --------------------------------------

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}}


def _directives(header: str | None) -> dict[str, str] | None:
    if header is None:
        return None
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _headers_both_ways(request_factory, view, path="/search/"):
    """The CSP headers of one response, through the portal's middleware and django-csp's."""
    from csp.middleware import CSPMiddleware as Upstream

    from core.middleware import CSPMiddleware

    found = []
    for middleware_class in (CSPMiddleware, Upstream):
        request = request_factory.get(path)
        middleware = middleware_class(view)
        middleware.process_request(request)
        response = middleware.process_response(request, view(request))
        found.append(
            (
                _directives(response.headers.get("Content-Security-Policy")),
                _directives(response.headers.get("Content-Security-Policy-Report-Only")),
            )
        )
    return found


def _plain(request):
    from django.http import HttpResponse

    return HttpResponse("plain")


def _with_nonce(request):
    from django.http import HttpResponse

    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def _updated(request):
    from csp.decorators import csp_update
    from django.http import HttpResponse

    return csp_update({"img-src": ["https://maps.example"]})(lambda request: HttpResponse())(
        request
    )


def _exempt(request):
    from csp.decorators import csp_exempt
    from django.http import HttpResponse

    return csp_exempt()(lambda request: HttpResponse())(request)


@pytest.mark.parametrize("view", [_plain, _with_nonce, _updated, _exempt])
def test_the_portal_csp_middleware_sends_what_django_csp_sends(rf, settings, view):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    ours, upstream = _headers_both_ways(rf, view)
    assert ours == upstream
    if view is _plain:
        assert ours[0]["frame-ancestors"] == "'none'" and ours[1]["report-uri"] == "/csp-report/"
    if view is _updated:
        assert "https://maps.example" in ours[0]["img-src"]
    if view is _exempt:
        assert ours[0] is None


def test_the_cached_policy_follows_a_settings_change_and_excluded_prefixes(rf, settings):
    first, _ = _headers_both_ways(rf, _plain)
    settings.CONTENT_SECURITY_POLICY = {
        "EXCLUDE_URL_PREFIXES": ["/api/"],
        "DIRECTIVES": {"default-src": ["'none'"]},
    }
    ours, upstream = _headers_both_ways(rf, _plain)
    assert ours == upstream and ours[0]["default-src"] == "'none'" != first[0]["default-src"]
    ours, upstream = _headers_both_ways(rf, _plain, path="/api/v1/metering-points/")
    assert ours == upstream and ours[0] is None
