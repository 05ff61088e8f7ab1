"""Reads of organisations, users and the account audit trail."""

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import AccountEvent, Organisation, OrganisationApiKey, User


def user_has_mfa(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_requires_mfa(*, user: User) -> bool:
    """Service admins and anyone who can reach the Django admin always need a second
    factor; others when their organisation says so."""
    if user.is_service_admin or user.is_staff or user.is_superuser:
        return True
    return bool(user.organisation_id and user.organisation.mfa_required)


def organisation_users(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's users, each with `has_mfa`."""
    totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
    return (
        User.objects.filter(organisation=organisation, deleted_at__isnull=True)
        .annotate(has_mfa=Exists(totp))
        .order_by("full_name", "email")
    )


def organisation_member_get(*, admin: User, user_id: int) -> User:
    """A user of the admin's own organisation; any other id is a 404.

    Every organisation-admin view that takes a user id looks it up here, so no view can
    reach a user of another organisation.
    """
    if not admin.organisation_id:
        raise Http404("No organisation.")
    return get_object_or_404(organisation_users(organisation=admin.organisation), pk=user_id)


def account_events_visible(*, viewer: User) -> QuerySet[AccountEvent]:
    """Service admins see every event; organisation admins their organisation's."""
    events = AccountEvent.objects.select_related("organisation")
    if viewer.is_service_admin:
        return events
    if not (viewer.is_organisation_admin and viewer.organisation_id):
        return events.none()
    return events.filter(organisation=viewer.organisation_id)


def api_keys_of(organisation: Organisation) -> QuerySet[OrganisationApiKey]:
    return OrganisationApiKey.objects.filter(organisation=organisation).select_related(
        "created_by", "revoked_by"
    )
