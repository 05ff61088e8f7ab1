"""The authentication backends: Django's and allauth's, each loading a session's user
with their organisation in one round trip.

Every page reads the organisation (it may have been deactivated, it may require two-factor
authentication: accounts/middleware.py), so the stock backends' user query was followed by
a second one for the organisation on every request. Both queries are compiled once per
process and sent together (core/compiled.py): building and planning the joined
`select_related` query anew was a tenth of the detail page's time (docs/performance.md)."""

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model

from accounts.models import Organisation
from core.compiled import CompiledQuery, instances, rows_together

_user_by_pk = CompiledQuery(
    lambda pk: get_user_model()._default_manager.filter(pk=pk), arity=1, integers=[0]
)
_organisation_of_user = CompiledQuery(
    lambda pk: Organisation.objects.filter(users__pk=pk), arity=1, integers=[0]
)


def user_with_organisation(user_id):
    """The user with this primary key, their organisation loaded (None when not found)."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a session holding a malformed id is a logged-out one
        return None
    users, organisations = rows_together((_user_by_pk, (pk,)), (_organisation_of_user, (pk,)))
    if not users:
        return None
    user = instances(_user_by_pk, users)[0]
    organisation = instances(_organisation_of_user, organisations)
    if user.organisation_id is not None and organisation:
        model.organisation.field.set_cached_value(user, organisation[0])
    return user


class _WithOrganisation:
    def get_user(self, user_id):
        user = user_with_organisation(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithOrganisation, backends.ModelBackend):
    pass


class AuthenticationBackend(_WithOrganisation, auth_backends.AuthenticationBackend):
    pass
