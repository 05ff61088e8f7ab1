"""Demo organisations and users for the quick start (never loaded in production)."""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Organisation, User
from accounts.roles import MarketRole, UserRole

DEMO_PASSWORD = "demo-ecoes-2019"

DEMO_ORGANISATIONS = [
    ("ECOE", "Enquiry service desk", MarketRole.OPERATOR),
    ("NLEN", "Northern Lights Energy", MarketRole.SUPPLIER),
    ("MTRW", "Meterwise Metering Services", MarketRole.METER_OPERATOR),
    ("LOND", "London Power Networks", MarketRole.DISTRIBUTOR),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    mpid: str
    role: str


DEMO_USERS = [
    DemoUser("desk@ecoe.example", "Sam Service-Desk", "ECOE", UserRole.SERVICE_ADMIN),
    DemoUser("admin@nlen.example", "Alex Admin", "NLEN", UserRole.ORGANISATION_ADMIN),
    DemoUser("user@nlen.example", "Uma User", "NLEN", UserRole.USER),
    DemoUser("admin@mtrw.example", "Mo Operator", "MTRW", UserRole.ORGANISATION_ADMIN),
    DemoUser("user@lond.example", "Dee Distributor", "LOND", UserRole.USER),
]


@transaction.atomic
def demo_data_load() -> list[DemoUser]:
    """Create the demo organisations and users; existing ones are left as they are."""
    organisations = {}
    for mpid, name, role in DEMO_ORGANISATIONS:
        organisations[mpid], _ = Organisation.objects.get_or_create(
            mpid=mpid, defaults={"name": name, "role_codes": role}
        )
    for demo in DEMO_USERS:
        if User.objects.filter(email=demo.email).exists():
            continue
        is_service_admin = demo.role == UserRole.SERVICE_ADMIN
        User.objects.create_user(
            demo.email,
            DEMO_PASSWORD,
            full_name=demo.full_name,
            organisation=organisations[demo.mpid],
            role=demo.role,
            is_staff=is_service_admin,
            is_superuser=is_service_admin,
        )
    return DEMO_USERS


@transaction.atomic
def demo_accounts_reset() -> list[DemoUser]:
    """Put the demo organisations and users back as seed_demo made them: the demo
    password, active, their role and name, no authenticator (two-factor set up afresh),
    the organisations active without a two-factor requirement. A deleted (anonymised)
    demo user is made again. Other users and the registry are left alone."""
    from allauth.mfa.models import Authenticator

    demo_data_load()
    for mpid, name, role in DEMO_ORGANISATIONS:
        Organisation.objects.filter(mpid=mpid).update(
            name=name, role_codes=role, is_active=True, mfa_required=False
        )
    for demo in DEMO_USERS:
        user = User.objects.get(email=demo.email)
        is_service_admin = demo.role == UserRole.SERVICE_ADMIN
        user.full_name = demo.full_name
        user.organisation = Organisation.objects.get(mpid=demo.mpid)
        user.role = demo.role
        user.is_active = True
        user.is_staff = user.is_superuser = is_service_admin
        user.dormancy_warned_at = None
        user.set_password(DEMO_PASSWORD)
        user.save()
        Authenticator.objects.filter(user=user).delete()
    return DEMO_USERS
