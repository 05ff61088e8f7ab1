"""The authentication backends: Django's and allauth's, each loading a session's user
with their organisation in one query.

Every page reads the organisation (it may have been deactivated, it may require two-factor
authentication: accounts/middleware.py), so the stock backends' user query was followed by
a second one for the organisation on every request."""

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model


class _WithOrganisation:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_WithOrganisation, backends.ModelBackend):
    pass


class AuthenticationBackend(_WithOrganisation, auth_backends.AuthenticationBackend):
    pass
