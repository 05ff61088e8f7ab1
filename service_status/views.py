from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from service_status import functions as sf
from service_status import policy, queries
from service_status.responses import state_as_json
from service_status.timefmt import iso_uk, uk_stamp


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    """Public: the mode now, the windows to come, retired functions, broadcasts."""
    now = timezone.now()
    snapshot = queries.status_snapshot()
    return render(
        request,
        "service_status/status.html",
        {
            "state": queries.mode_at(snapshot, now),
            "upcoming": queries.upcoming_windows(snapshot, at=now),
            "retired": [r for r in snapshot.retirements.values() if r.retired_from <= now],
            "broadcasts": queries.broadcast_timeline(user=request.user),
        },
    )


class StatusFeed(Feed):
    """Atom feed of the public (untargeted) broadcasts; an entry changes with each update."""

    feed_type = Atom1Feed
    title = "ECOES enquiry service status"
    subtitle = "Service broadcasts and their updates (times in UK time)."

    def link(self):
        return reverse("service-status")

    def items(self):
        return queries.broadcast_timeline(user=None, limit=50)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        lines = [item.body]
        lines += [f"Update ({uk_stamp(u.posted_at)}): {u.text}" for u in item.updates.all()]
        return "\n\n".join(lines)

    def item_link(self, item):
        return f"{reverse('service-status')}#broadcast-{item.pk}"

    def item_pubdate(self, item):
        return timezone.localtime(item.active_from)

    def item_updateddate(self, item):
        updates = list(item.updates.all())
        return timezone.localtime(updates[-1].posted_at if updates else item.active_from)


class ServiceStatusAPIView(APIView):
    """GET /api/v1/service-status/: public, so that scripts can wait for the service."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="The mode in force, upcoming windows, retired functions and broadcasts",
    )
    def get(self, request):
        now = timezone.now()
        snapshot = queries.status_snapshot()
        state = queries.mode_at(snapshot, now)
        return Response(
            {
                "mode": state.mode,
                "description": state.description,
                "window": state_as_json(state),
                "until": iso_uk(state.ends_at),
                "upcoming_windows": [
                    {
                        "mode": w.mode,
                        "starts_at": iso_uk(w.starts_at),
                        "ends_at": iso_uk(w.ends_at),
                        "reason": w.reason,
                        "message": w.message,
                    }
                    for w in queries.upcoming_windows(snapshot, at=now)
                ],
                # What the access policy answers an anonymous client now, per function.
                "functions": [
                    {
                        "function": answer.function.name,
                        "label": answer.function.label,
                        "status": answer.status,
                        "available_from": iso_uk(answer.available_from),
                    }
                    for answer in (
                        policy.access(function=f.name, at=now, snapshot=snapshot)
                        for f in sf.SERVICE_FUNCTIONS
                    )
                ],
                "retired_functions": [
                    {
                        "function": r.function,
                        "label": r.label,
                        "retired_from": iso_uk(r.retired_from),
                        "message": r.message,
                    }
                    for r in snapshot.retirements.values()
                    if r.retired_from <= now
                ],
                "broadcasts": [
                    {
                        "id": b.pk,
                        "title": b.title,
                        "severity": b.severity,
                        "body": b.body,
                        "active_from": iso_uk(b.active_from),
                        "active_until": iso_uk(b.active_until),
                        "updates": [
                            {"posted_at": iso_uk(u.posted_at), "text": u.text}
                            for u in b.updates.all()
                        ],
                    }
                    for b in queries.broadcast_timeline(user=None)
                ],
            }
        )
