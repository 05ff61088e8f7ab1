"""The client's address, the one way every audit record and rate limit reads it.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address. Each trusted proxy
appends the address it received the request from to X-Forwarded-For, so with N trusted
proxies (TRUSTED_PROXY_COUNT) the client is the Nth address from the right; anything to
its left was written by the client and may be forged. With 0 (the default) the header is
ignored entirely.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP address, or None when it cannot be told."""
    if request is None:
        return None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= trusted and forwarded[-trusted].strip():
            return _valid(forwarded[-trusted])
        return None  # not through the proxies we expect: no address rather than a forged one
    return _valid(request.META.get("REMOTE_ADDR", ""))
