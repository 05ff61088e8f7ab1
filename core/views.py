from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import run_checks


@require_GET
@never_cache
def health_live(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def health_ready(request: HttpRequest) -> JsonResponse:
    """Every dependency answers: 200, or 503 when one does not.

    Anyone (a load balancer, monitoring) gets the status; only the service desk sees
    which check failed and why (error text can name hosts, ports and versions). The
    failures are logged in full either way.
    """
    checks = run_checks()
    ready = all(result["ok"] for result in checks.values())
    document = {"status": "ok" if ready else "unavailable"}
    if _shows_detail(request):
        document["checks"] = checks
    return JsonResponse(document, status=200 if ready else 503)


def _shows_detail(request: HttpRequest) -> bool:
    # Who counts as the service desk is the accounts app's to say; core sits below it,
    # so the check is named in a setting (HEALTH_DETAIL_VISIBLE_TO) rather than imported.
    try:
        return import_string(settings.HEALTH_DETAIL_VISIBLE_TO)(request)
    except Exception:  # noqa: BLE001 - with the database down, the probe must still answer
        return False


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")
