# The ecoes app's admin screens live with the feature they belong to.
from ecoes.service_status import admin as service_status_admin  # noqa: F401
