"""The session's user, loaded with their organisation by compiled queries
(accounts/backends.py), is the user the ORM loads."""

import pytest
from django.contrib.auth import get_user_model

from accounts.backends import AuthenticationBackend, ModelBackend, user_with_organisation
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_user_and_organisation_are_what_the_orm_loads(backend, django_assert_num_queries):
    user = UserFactory(organisation=OrganisationFactory(name="Rose & Crown Energy"))
    with django_assert_num_queries(1):
        found = backend().get_user(str(user.pk))
    expected = get_user_model().objects.select_related("organisation").get(pk=user.pk)
    with django_assert_num_queries(0):
        assert _fields(found) == _fields(expected)
        assert _fields(found.organisation) == _fields(expected.organisation)
    assert not found._state.adding


def test_a_user_without_an_organisation_has_none():
    user = UserFactory(organisation=None)
    found = user_with_organisation(user.pk)
    assert found.pk == user.pk and found.organisation is None


def test_unknown_inactive_and_malformed_ids_are_no_user():
    inactive = UserFactory(is_active=False)
    assert ModelBackend().get_user(str(inactive.pk)) is None
    assert user_with_organisation(inactive.pk + 1000) is None
    assert user_with_organisation("not a number") is None
    # Another user's organisation never rides along.
    mine, theirs = UserFactory(), UserFactory()
    assert user_with_organisation(mine.pk).organisation.pk == mine.organisation_id
    assert mine.organisation_id != theirs.organisation_id
