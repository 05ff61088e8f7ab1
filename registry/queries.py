"""Reads of the registry and of received flow files."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import MarketRole
from registry.models import FlowFile

# Market roles whose users may send flow files through the portal: meter operators
# (D0312) and distributors (D0204, D0386). Service admins may send for anyone.
FLOW_SENDER_ROLES = {MarketRole.METER_OPERATOR, MarketRole.DISTRIBUTOR}


def user_may_send_flows(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_service_admin:
        return True
    organisation = user.organisation
    return bool(
        organisation
        and organisation.is_active
        and FLOW_SENDER_ROLES.intersection(organisation.market_roles)
    )


def flow_files_for_user(user: User) -> QuerySet[FlowFile]:
    """The files a user may see: all for service admins, else their organisation's."""
    files = FlowFile.objects.select_related("sender")
    if user.is_service_admin:
        return files
    if user.organisation_id is None:
        return files.none()
    return files.filter(
        Q(sender_id=user.organisation_id) | Q(submitted_by__organisation_id=user.organisation_id)
    )


def flow_file_get_for_user(user: User, flow_file_id: int) -> FlowFile:
    """One file, or 404 when it does not exist or is another organisation's."""
    try:
        return flow_files_for_user(user).get(pk=flow_file_id)
    except FlowFile.DoesNotExist:
        raise Http404("No such flow file.") from None
