"""Organisation A's objects and the people who ask for them, for the security tests."""

import io
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import AccountEvent, OrganisationApiKey
from accounts.roles import MarketRole
from accounts.services import account_event_record, api_key_create
from bulk.models import BulkSearch
from bulk.services import bulk_search_submit
from registry.models import FlowFile, FlowFileChannel, MeteringPoint
from registry.services import flow_file_receive
from reports.models import Report
from search.models import SearchChannel
from tests.factories import MeteringPointFactory, ReportFactory, UserFactory, login_with_two_factors

FLOW_CONTENT = (
    b"ZHV|F0000001|D0312002|M|ORGA|Z|DESK|20190627120000||||OPER|\n"
    b"ZPT|F0000001|0||0|20190627120000|\n"
)


@dataclass
class World:
    """What organisation A owns (and a metering point, which is everybody's)."""

    member_a: object
    admin_a: object
    member_b: object
    admin_b: object
    service_admin: object
    report: Report
    flow_file: FlowFile
    api_key: OrganisationApiKey
    api_key_text: str
    metering_point: MeteringPoint
    account_event: AccountEvent
    bulk_search: BulkSearch


@pytest.fixture
def world(
    organisation, other_organisation, member, org_admin, outsider_admin, service_admin, media_root
):
    # A meter operator as well as a supplier, so A may send flows; B supplies only.
    organisation.role_codes = MarketRole.SUPPLIER + MarketRole.METER_OPERATOR
    organisation.save(update_fields=["role_codes"])
    member_b = UserFactory(organisation=other_organisation, email="member@orgb.example")
    report = ReportFactory(organisation=organisation, created_by=member)
    flow_file = flow_file_receive(
        content=io.BytesIO(FLOW_CONTENT),
        original_name="a.txt",
        channel=FlowFileChannel.UPLOAD,
        sender=organisation,
        submitted_by=member,
        queue=False,
    )
    api_key, api_key_text = api_key_create(
        organisation=organisation, name="A's billing system", created_by=org_admin
    )
    event = account_event_record(kind="invited", actor=org_admin, subject=member)
    bulk_search = bulk_search_submit(
        organisation=organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        values=["1800021679848"],
        user=member,
    )
    return World(
        member_a=member,
        admin_a=org_admin,
        member_b=member_b,
        admin_b=outsider_admin,
        service_admin=service_admin,
        report=report,
        flow_file=flow_file,
        api_key=api_key,
        api_key_text=api_key_text,
        metering_point=MeteringPointFactory(),
        account_event=event,
        bulk_search=bulk_search,
    )


ROLES = ("anonymous", "member_a", "admin_a", "member_b", "admin_b", "service_admin")


def client_as(world: World, role: str) -> Client:
    client = Client()
    if role == "service_admin":
        login_with_two_factors(client, world.service_admin)  # as the admin requires
    elif role != "anonymous":
        client.force_login(getattr(world, role))
    return client
