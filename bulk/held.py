"""A bulk file kept between two posts of the form, so a wrong choice of kind does not
make the user choose the file again (a browser cannot refill a file input).

The bytes go to the default storage under bulk/held/ with a random name that only the
user's session knows; the next submission uses and deletes them, a new file replaces
them, and logging out drops the session that names them.
"""

import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest

SESSION_KEY = "bulk_held_file"
FOLDER = "bulk/held"


@dataclass(frozen=True)
class HeldFile:
    storage_name: str
    source_name: str


def held_file_get(request: HttpRequest) -> HeldFile | None:
    held = request.session.get(SESSION_KEY)
    if not held or not default_storage.exists(held["storage_name"]):
        return None
    return HeldFile(**held)


def held_file_keep(request: HttpRequest, *, data: bytes, source_name: str) -> HeldFile:
    held_file_drop(request)
    name = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.csv", ContentFile(data))
    held = HeldFile(storage_name=name, source_name=source_name)
    request.session[SESSION_KEY] = {"storage_name": name, "source_name": source_name}
    return held


def held_file_read(held: HeldFile) -> bytes:
    with default_storage.open(held.storage_name, "rb") as handle:
        return handle.read()


def held_file_drop(request: HttpRequest) -> None:
    held = request.session.pop(SESSION_KEY, None)
    if held:
        default_storage.delete(held["storage_name"])
