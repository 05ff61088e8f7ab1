from django.conf import settings

# How long before the idle timeout the page warns and offers to stay logged in.
SESSION_WARNING_SECONDS = 120


def service(request):
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        # The idle-timeout warning (static/js/portal.js) counts down from these.
        "SESSION_IDLE_SECONDS": settings.ACCOUNT_SESSION_IDLE_TIMEOUT,
        "SESSION_WARNING_SECONDS": SESSION_WARNING_SECONDS,
    }
