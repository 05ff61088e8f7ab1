from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import MarketRole, UserRole

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["mpid"]

    mpid = factory.Sequence(lambda n: f"T{n:03d}")
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


class ServiceWindowFactory(factory.django.DjangoModelFactory):
    """A window written straight to the table; tests of auditing use the services."""

    class Meta:
        model = "ecoes.ServiceWindow"

    mode = "restricted"
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda window: window.starts_at + timedelta(hours=2))
    reason = "Planned maintenance"


class BroadcastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "ecoes.Broadcast"

    title = factory.Sequence(lambda n: f"Service broadcast {n}")
    body = "Something users should know."
    active_from = factory.LazyFunction(timezone.now)
