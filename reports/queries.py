"""Reads of the report archive. Every lookup goes through `reports_visible_to`."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import OrganisationApiKey, User
from reports.models import Report


def reports_visible_to(
    *, user: User | None = None, api_key: OrganisationApiKey | None = None
) -> QuerySet[Report]:
    """The user's (or the API key's) organisation's reports, newest first; every report
    for a service admin.

    Service admins (the operator's service desk) see all organisations' reports so they
    can help a participant who cannot find one; their downloads are audited like
    anyone's. A user without an organisation sees none; an API key only its own
    organisation's.
    """
    reports = Report.objects.select_related("organisation").order_by("-created_at", "-id")
    if api_key is not None:
        return reports.filter(organisation_id=api_key.organisation_id)
    if user.is_service_admin:
        return reports
    if user.organisation_id is None:
        return reports.none()
    return reports.filter(organisation_id=user.organisation_id)


def reports_filter(
    reports: QuerySet[Report],
    *,
    kind: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[Report]:
    """Narrow by kind and by creation date; dates are whole UK days, both inclusive."""
    if kind:
        reports = reports.filter(kind=kind)
    if created_from:
        reports = reports.filter(created_at__gte=_start_of_day(created_from))
    if created_to:
        reports = reports.filter(created_at__lt=_start_of_day(created_to + timedelta(days=1)))
    return reports


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
