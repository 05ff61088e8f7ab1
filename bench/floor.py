"""The framework's floor for bench_scale: a bare Django view that reads one metering
point by primary key and sends its columns as JSON. No middleware, no authentication, no
audit; served by gunicorn with the portal's own settings otherwise
(`DJANGO_SETTINGS_MODULE=config.floor_settings`). Never part of the portal's URLs."""

from django.http import Http404, JsonResponse
from django.urls import path

from registry.models import MeteringPoint


def metering_point_row(request, mpan_core: str) -> JsonResponse:
    row = MeteringPoint.objects.filter(pk=mpan_core).values().first()
    if row is None:
        raise Http404
    return JsonResponse(row)


urlpatterns = [path("floor/<str:mpan_core>/", metering_point_row)]
