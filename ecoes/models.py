# The ecoes app's models live with the feature they belong to.
from ecoes.service_status.models import (
    Broadcast,
    BroadcastUpdate,
    RetiredFunction,
    ServiceOverride,
    ServiceStatusChange,
    ServiceWindow,
)

__all__ = [
    "Broadcast",
    "BroadcastUpdate",
    "RetiredFunction",
    "ServiceOverride",
    "ServiceStatusChange",
    "ServiceWindow",
]
