"""API authentication by an organisation's API key (`Authorization: Api-Key <key>`),
shared by every API that organisations' systems call (search, bulk, reports)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from accounts.models import OrganisationApiKey
from core.compiled import CompiledQuery

# The library's get_from_key, in one query compiled once per process: a key that is not
# revoked, of an active organisation; the hash is then checked (SHA-512 of the key).
_usable_key_by_prefix = CompiledQuery(
    lambda prefix: OrganisationApiKey.objects.filter(
        prefix=prefix, revoked=False, organisation__is_active=True
    ).only("id", "prefix", "hashed_key", "name", "revoked", "expiry_date", "organisation_id"),
    arity=1,
)


class OrganisationApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`. The library (djangorestframework-api-key) offers
    the key only as a permission; as an authentication it also puts the key on
    request.auth, where the audit, the quota and the throttle find it, and a bad key
    answers 401 rather than falling through to other checks."""

    keyword = KeyParser.keyword

    def authenticate(self, request):
        key = KeyParser().get(request)
        if not key:
            return None
        prefix, _, _ = key.partition(".")
        api_key = _usable_key_by_prefix.first(prefix)
        if api_key is None or not api_key.is_valid(key) or api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key is not valid or has been revoked.")
        return None, api_key

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = OrganisationApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a key created by your organisation admin.",
        }


def api_key_of(request: Request) -> OrganisationApiKey | None:
    return request.auth if isinstance(request.auth, OrganisationApiKey) else None


class IsUserOrApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is not None:
            return True
        return bool(request.user and request.user.is_authenticated)
