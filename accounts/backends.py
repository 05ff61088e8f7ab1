"""The authentication backends: Django's and allauth's, each loading a session's user
with their organisation in one round trip.

Every page reads the organisation (it may have been deactivated, it may require two-factor
authentication: accounts/middleware.py), so the stock backends' user query was followed by
a second one for the organisation on every request. Here one joined query, compiled once
per process and prepared by PostgreSQL (core/compiled.py), reads both: building and
planning `select_related` anew was a tenth of the detail page's time
(docs/performance.md)."""

import functools

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model

from accounts.models import Organisation
from core.compiled import CompiledQuery


def _user_and_organisation_columns(pk):
    model = get_user_model()
    return model._default_manager.filter(pk=pk).values_list(
        *_attnames(model), *(f"organisation__{name}" for name in _attnames(Organisation))
    )


@functools.cache
def _attnames(model) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


# The user's columns, then their organisation's (NULLs without one), in one joined query.
_user_with_organisation = CompiledQuery(_user_and_organisation_columns, arity=1, integers=[0])


def user_with_organisation(user_id):
    """The user with this primary key, their organisation loaded (None when not found)."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a session holding a malformed id is a logged-out one
        return None
    rows = _user_with_organisation.rows(pk)
    if not rows:
        return None
    columns = _attnames(model)
    user = model.from_db("default", columns, rows[0][: len(columns)])
    if user.organisation_id is not None:
        organisation = Organisation.from_db(
            "default", _attnames(Organisation), rows[0][len(columns) :]
        )
        model.organisation.field.set_cached_value(user, organisation)
    return user


class _WithOrganisation:
    def get_user(self, user_id):
        user = user_with_organisation(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithOrganisation, backends.ModelBackend):
    pass


class AuthenticationBackend(_WithOrganisation, auth_backends.AuthenticationBackend):
    pass
