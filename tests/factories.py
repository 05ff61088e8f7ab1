import time
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import MarketRole, UserRole
from registry.keys import address_sort_key, postcode_key, serial_key
from reports.kinds import ReportKind
from reports.models import Report

TEST_PASSWORD = "correct-horse-battery-staple"


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["mpid"]

    # T and three base-36 digits: an MPID is four characters, and a whole test run
    # makes more than a thousand organisations.
    mpid = factory.Sequence(lambda n: "T" + _base36(n % 36**3).rjust(3, "0"))
    name = factory.Sequence(lambda n: f"Test Energy {n}")
    role_codes = MarketRole.SUPPLIER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    organisation = factory.SubFactory(OrganisationFactory)
    role = UserRole.USER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ReportFactory(factory.Factory):
    """A report made the real way, through reports.services.report_create (file included)."""

    class Meta:
        model = Report

    organisation = factory.SubFactory(OrganisationFactory)
    kind = ReportKind.BULK_SEARCH
    title = factory.Sequence(lambda n: f"Bulk search result {n}")
    rows_header = ("MPAN core", "Postcode")
    rows = factory.LazyFunction(lambda: [("1800021679848", "SW1A 1AA")])
    created_by = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        from reports.services import report_create

        return report_create(**kwargs)


class ServiceWindowFactory(factory.django.DjangoModelFactory):
    """A window written straight to the table; tests of auditing use the services."""

    class Meta:
        model = "service_status.ServiceWindow"

    mode = "restricted"
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda window: window.starts_at + timedelta(hours=2))
    reason = "Planned maintenance"


class BroadcastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "service_status.Broadcast"

    title = factory.Sequence(lambda n: f"Service broadcast {n}")
    body = "Something users should know."
    active_from = factory.LazyFunction(timezone.now)


def totp_enable(user: User) -> str:
    """Give the user an authenticator app (as if they had set one up); returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def login_with_two_factors(client, user) -> None:
    """Log the test client in as if the user had typed their password and a code of
    their authenticator app (as the Django admin requires)."""
    from accounts.sessions import TWO_FACTORS_AT

    client.force_login(user)
    session = client.session
    session[TWO_FACTORS_AT] = time.time()
    session.save()


def totp_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def mpan_core_for(number: int, distributor_id: str = "12") -> str:
    """A valid MPAN core: the distributor id, a 10-digit number and its check digit."""
    from dtc.mpan import check_digit

    first12 = f"{distributor_id}{number:010d}"
    return f"{first12}{check_digit(first12)}"


class MeteringPointFactory(factory.django.DjangoModelFactory):
    """A metering point as the ingest service stores it, search keys included."""

    class Meta:
        model = "registry.MeteringPoint"

    mpan_core = factory.Sequence(lambda n: mpan_core_for(9_000_000 + n))
    distributor_id = "12"
    gsp_group = "_C"
    supplier_mpid = "NLEN"
    energisation_status = "E"
    profile_class = "01"
    measurement_class = "A"
    address_line_1 = factory.Sequence(lambda n: f"{n + 1} High Street")
    address_line_2 = "London"
    postcode = "SW1A 1AA"
    postcode_key = factory.LazyAttribute(lambda o: postcode_key(o.postcode))
    address_sort_key = factory.LazyAttribute(
        lambda o: address_sort_key([getattr(o, f"address_line_{n}", "") for n in range(1, 10)])
    )


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.Meter"

    metering_point = factory.SubFactory(MeteringPointFactory)
    serial = factory.Sequence(lambda n: f"E10{n:06d}")
    serial_key = factory.LazyAttribute(lambda o: serial_key(o.serial))
    meter_type = "N"


class RelatedMpanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.RelatedMpan"

    metering_point = factory.SubFactory(MeteringPointFactory)
    related = factory.SubFactory(MeteringPointFactory)


def point_with_every_field(**fields):
    """A metering point with every detail-page field set (codes with meanings, dates)."""
    from datetime import date

    values = {
        "profile_class": "01",
        "measurement_class": "A",
        "supplier_date": date(2019, 6, 28),
        "energisation_date": date(2018, 3, 4),
        "mtc": "801",
        "mtc_date": date(2017, 5, 6),
        "llfc": "100",
        "ssc": "0393",
        "mop_mpid": "MTRW",
        "mop_date": date(2016, 7, 8),
        "smets_version": "SMETS2",
        "dcc_service_flag": True,
        "ihd_status": "I",
        "uprn": "100023336956",
        "has_related_mpans": True,
    }
    return MeteringPointFactory(**{**values, **fields})
