"""Response headers that depend on the kind of URL, and the Content-Security-Policy."""

import functools

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

API_PREFIX = "/api/"


class ApiNoStoreMiddleware:
    """Every answer under /api/, errors included, is marked `Cache-Control: no-store`.

    API answers hold registry data for one caller (or the refusal of it); no browser,
    proxy or client library may keep a copy. It sits near the top of MIDDLEWARE so
    that answers made by other middleware (CSRF refusals, the service-status 503 and
    410) pass through it too. Pages keep their own cache headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            response["Cache-Control"] = "no-store"
        return response


# --- Content-Security-Policy ------------------------------------------------------------------

# What a view or a template may set to change one response's policy (django-csp's
# decorators and request.csp_nonce); a response with any of them takes django-csp's path.
_PER_RESPONSE_PARTS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the headers of plain responses built once.

    django-csp builds both policy strings anew for every response: two dataclass copies
    and a walk over every directive, about a tenth of a millisecond, 5 % of an API lookup
    (docs/performance.md). A response that carries no nonce and no per-view change (every
    response of this portal today) gets the same two strings every time, so they are
    built once per settings value, through django-csp's own `build_policy`; anything
    else goes through django-csp unchanged. tests/core/test_security_headers.py holds
    the two paths to the same headers."""

    def process_response(self, request, response):
        plain = getattr(request, "_csp_nonce", None) is None and not any(
            hasattr(response, name) for name in _PER_RESPONSE_PARTS
        )
        if not plain or (settings.DEBUG and response.status_code in (404, 500)):
            return super().process_response(request, response)
        for header, setting, policy in _plain_policies():
            excluded = tuple(
                (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            )
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _plain_policies() -> tuple[tuple[str, str, str], ...]:
    """(header, setting, policy) for a response with no nonce and no per-view change."""
    return (
        (HEADER, "CONTENT_SECURITY_POLICY", build_policy()),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", build_policy(report_only=True)),
    )


@receiver(setting_changed)
def _policies_forget(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _plain_policies.cache_clear()
