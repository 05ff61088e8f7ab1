"""Response headers that depend on the kind of URL."""

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
