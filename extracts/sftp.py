"""The SFTP service: each party sees its own organisation's live files, read-only.

Built on asyncssh (SSH transport, key authentication, the SFTP protocol). There is no
filesystem behind it: the one folder a user sees is a view of the report archive
(`extracts.queries.sftp_files`), so nothing outside it can be named at all. Every
request is decided here:

- log in with an SSH public key registered in the portal; the user and the organisation
  must be active (checked again on every file operation); failed logins are counted per
  client address and the address is refused for a while after too many;
- the offline service mode refuses new sessions, with the reason;
- reads only: writes, renames, deletes, directories, links and attribute changes are
  refused with SFTP's "permission denied"; a path with `..` too; any path other than
  the folder (`/`, `.`) and a file in it is "no such file", another party's file too;
- every file opened is a download: audited (channel "sftp") and it marks an extract
  collected, exactly as a web download does.

The ORM is synchronous: each database call runs through `sync_to_async` on the one
thread asyncssh's event loop shares with Django.
"""

import asyncio
import logging
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

import asyncssh
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone

from accounts.models import AccountEventKind, User
from accounts.services import account_event_record
from core.text import count_noun
from extracts import queries
from extracts.models import SshPublicKey
from reports.models import Report
from reports.services import ReportExpiredError, report_download_record
from service_status.modes import ServiceMode
from service_status.queries import mode_in_force

logger = logging.getLogger(__name__)

READ_ONLY = "This folder is read-only: files can be listed and downloaded, nothing else."
NO_SUCH_FILE = "No such file in your organisation's folder."
NO_DOT_DOT = "Paths may not contain '..': there is one folder, with no way out of it."

_WRITE_FLAGS = asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC
_WRITE_ACCESS = (
    asyncssh.ACE4_WRITE_DATA | asyncssh.ACE4_APPEND_DATA | asyncssh.ACE4_WRITE_ATTRIBUTES
)


def _db(function):
    """Run an ORM call off the event loop, on a connection that is known to be usable."""

    def call(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(call, thread_sensitive=True)


# --- Host key ---------------------------------------------------------------------------


def host_key_load_or_create(path: Path) -> asyncssh.SSHKey:
    """The server's Ed25519 host key: made on the first start, then kept (with its .pub
    beside it, which the portal reads to show the fingerprint)."""
    path = Path(path)
    if path.exists():
        return asyncssh.read_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    # Written to a temporary name and renamed: a half-written key is never read.
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    os.replace(partial, path)
    Path(f"{path}.pub").write_bytes(key.export_public_key())
    logger.info("Made the SFTP host key %s (%s)", path, key.get_fingerprint("sha256"))
    return key


# --- Authentication and rate limits --------------------------------------------------------


def _failures_key(address: str) -> str:
    return f"sftp:auth-failures:{address}"


def _failures(address: str) -> int:
    return cache.get(_failures_key(address), 0)


def _failure_count(address: str) -> int:
    key = _failures_key(address)
    if cache.add(key, 1, timeout=settings.SFTP_FAILURE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.SFTP_FAILURE_WINDOW)
        return 1


def _offline_message() -> str | None:
    state = mode_in_force(fresh=True)
    if state.mode != ServiceMode.OFFLINE:
        return None
    message = "The enquiry service is offline"
    if state.ends_at:
        message += f" until {timezone.localtime(state.ends_at):%H:%M on %d/%m/%Y}"
    message += ": SFTP is not available. See the service status page."
    if state.message:
        message += f" {state.message}"
    return message


def _key_owner(email: str, public_key: str) -> int | None:
    user = queries.sftp_key_owner(email=email, public_key=public_key)
    return user.pk if user else None


def _login_record(user_id: int, public_key: str, address: str) -> None:
    user = User.objects.select_related("organisation").get(pk=user_id)
    SshPublicKey.objects.filter(
        user_id=user_id, public_key=public_key, removed_at__isnull=True
    ).update(last_used_at=timezone.now())
    account_event_record(
        kind=AccountEventKind.SFTP_LOGGED_IN, actor=user, subject=user, ip_address=address
    )


def _failure_record(email: str, address: str) -> int:
    count = _failure_count(address)
    user = User.objects.filter(email=email.lower()).select_related("organisation").first()
    account_event_record(
        kind=AccountEventKind.SFTP_LOGIN_FAILED,
        subject=user,
        subject_email=email[:254],
        organisation=user.organisation if user else None,
        ip_address=address,
        detail="SSH key not registered, removed, or its user or organisation inactive",
    )
    return count


def _openssh_line(key: asyncssh.SSHKey) -> str:
    algorithm, data = key.export_public_key("openssh").decode().split()[:2]
    return f"{algorithm} {data}"


class PortalSSHServer(asyncssh.SSHServer):
    """One per connection: authenticates the user and remembers who it is."""

    def __init__(self):
        self.user_id: int | None = None
        self.public_key = ""
        self.address = ""
        self._conn = None

    def connection_made(self, conn) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        self.address = peer[0] if peer else ""

    async def begin_auth(self, username: str) -> bool:
        offline = await _db(_offline_message)()
        if offline:
            raise asyncssh.DisconnectError(asyncssh.DISC_SERVICE_NOT_AVAILABLE, offline)
        if await _db(_failures)(self.address) >= settings.SFTP_MAX_FAILURES:
            minutes = max(1, settings.SFTP_FAILURE_WINDOW // 60)
            raise asyncssh.DisconnectError(
                asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                f"Too many failed logins from your address: try again in "
                f"{count_noun(minutes, 'minute')}.",
            )
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        line = _openssh_line(key)
        user_id = await _db(_key_owner)(username, line)
        if user_id is None:
            count = await _db(_failure_record)(username, self.address)
            logger.info("SFTP key refused for %r from %s (%s)", username, self.address, count)
            if count >= settings.SFTP_MAX_FAILURES and self._conn is not None:
                self._conn.disconnect(
                    asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                    "Too many failed logins from your address.",
                )
            return False
        self.user_id = user_id
        self.public_key = line
        return True

    async def auth_completed(self) -> None:
        await _db(_login_record)(self.user_id, self.public_key, self.address)
        logger.info("SFTP login: user %s from %s", self.user_id, self.address)


# --- The folder ------------------------------------------------------------------------------


@dataclass
class OpenFile:
    report_id: int
    size: int
    mtime: int
    handle: object


def _file_attrs(report: Report) -> asyncssh.SFTPAttrs:
    mtime = int(report.created_at.timestamp())
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_REGULAR,
        size=report.size,
        permissions=0o100444,
        uid=0,
        gid=0,
        atime=mtime,
        mtime=mtime,
        nlink=1,
    )


def _folder_attrs() -> asyncssh.SFTPAttrs:
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_DIRECTORY, permissions=0o40555, uid=0, gid=0, nlink=2
    )


def _allowed_user(user_id: int) -> User:
    user = queries.sftp_user_still_allowed(user_id=user_id)
    if user is None:
        raise asyncssh.SFTPPermissionDenied(
            "Your account or your organisation is no longer active."
        )
    return user


def _files(user_id: int) -> list[tuple[str, Report]]:
    user = _allowed_user(user_id)
    return [(queries.sftp_file_name(report), report) for report in queries.sftp_files(user=user)]


def _report_named(user_id: int, name: str) -> Report:
    user = _allowed_user(user_id)
    report_id, _, _ = name.partition("-")
    if not report_id.isdigit():
        raise asyncssh.SFTPNoSuchFile(NO_SUCH_FILE)
    # Filtered by the user's organisation first: another party's file id is unknown here.
    report = queries.sftp_files(user=user).filter(pk=int(report_id)).first()
    if report is None or queries.sftp_file_name(report) != name:
        raise asyncssh.SFTPNoSuchFile(NO_SUCH_FILE)
    return report


def _download_open(user_id: int, name: str, address: str) -> OpenFile:
    report = _report_named(user_id, name)
    user = _allowed_user(user_id)
    try:
        report_download_record(report=report, user=user, ip_address=address, channel="sftp")
    except ReportExpiredError as error:
        raise asyncssh.SFTPNoSuchFile(str(error)) from None
    handle = report.file.open("rb")
    return OpenFile(
        report_id=report.pk,
        size=report.size,
        mtime=int(report.created_at.timestamp()),
        handle=handle,
    )


def _read(handle, offset: int, size: int) -> bytes:
    handle.seek(offset)
    return handle.read(size)


class PortalSFTPServer(asyncssh.SFTPServer):
    """The one read-only folder of a user's organisation."""

    def __init__(self, chan):
        super().__init__(chan)
        owner: PortalSSHServer = chan.get_connection().get_owner()
        self.user_id = owner.user_id
        self.address = owner.address

    # Paths: "/" (or "." or "") is the folder; "/<name>" or "<name>" a file in it.
    def _name(self, path: bytes) -> str | None:
        text = path.decode("utf-8", errors="replace")
        parts = [part for part in text.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise asyncssh.SFTPPermissionDenied(NO_DOT_DOT)
        if not parts:
            return None
        if len(parts) > 1:
            raise asyncssh.SFTPNoSuchFile(NO_SUCH_FILE)
        return parts[0]

    def realpath(self, path: bytes) -> bytes:
        name = self._name(path)
        return b"/" if name is None else posixpath.join("/", name).encode()

    async def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        name = self._name(path)
        if name is None:
            await _db(_allowed_user)(self.user_id)
            return _folder_attrs()
        return _file_attrs(await _db(_report_named)(self.user_id, name))

    lstat = stat

    async def scandir(self, path: bytes):
        if self._name(path) is not None:
            raise asyncssh.SFTPNoSuchFile(NO_SUCH_FILE)
        files = await _db(_files)(self.user_id)
        yield asyncssh.SFTPName(b".", attrs=_folder_attrs())
        yield asyncssh.SFTPName(b"..", attrs=_folder_attrs())
        for name, report in files:
            yield asyncssh.SFTPName(name.encode(), attrs=_file_attrs(report))

    async def open(self, path: bytes, pflags: int, attrs) -> OpenFile:
        if pflags & _WRITE_FLAGS:
            raise asyncssh.SFTPPermissionDenied(READ_ONLY)
        return await self._open_for_reading(path)

    async def open56(self, path: bytes, desired_access: int, flags: int, attrs) -> OpenFile:
        disposition = flags & asyncssh.FXF_ACCESS_DISPOSITION
        if desired_access & _WRITE_ACCESS or disposition != asyncssh.FXF_OPEN_EXISTING:
            raise asyncssh.SFTPPermissionDenied(READ_ONLY)
        return await self._open_for_reading(path)

    async def _open_for_reading(self, path: bytes) -> OpenFile:
        name = self._name(path)
        if name is None:
            raise asyncssh.SFTPPermissionDenied("The folder itself cannot be opened as a file.")
        opened = await _db(_download_open)(self.user_id, name, self.address)
        logger.info("SFTP download: user %s, report %s", self.user_id, opened.report_id)
        return opened

    async def read(self, file_obj: OpenFile, offset: int, size: int) -> bytes:
        return await asyncio.to_thread(_read, file_obj.handle, offset, size)

    async def close(self, file_obj: OpenFile) -> None:
        await asyncio.to_thread(file_obj.handle.close)

    def fstat(self, file_obj: OpenFile) -> asyncssh.SFTPAttrs:
        return asyncssh.SFTPAttrs(
            type=asyncssh.FILEXFER_TYPE_REGULAR,
            size=file_obj.size,
            permissions=0o100444,
            mtime=file_obj.mtime,
            atime=file_obj.mtime,
        )

    # Everything that would change the folder is refused.
    def _refuse(self, *args, **kwargs):
        raise asyncssh.SFTPPermissionDenied(READ_ONLY)

    write = setstat = lsetstat = fsetstat = remove = mkdir = rmdir = _refuse
    rename = posix_rename = link = _refuse

    def symlink(self, oldpath: bytes, newpath: bytes):
        raise asyncssh.SFTPPermissionDenied(f"{READ_ONLY} Links cannot be made.")

    def readlink(self, path: bytes):
        self._name(path)
        raise asyncssh.SFTPNoSuchFile("There are no links in this folder.")

    def statvfs(self, path: bytes):
        raise asyncssh.SFTPOpUnsupported("Not supported by this service.")

    fstatvfs = statvfs


async def sftp_serve(*, host: str, port: int, host_key: asyncssh.SSHKey):
    """Start listening; returns the asyncssh acceptor (close() it to stop)."""
    return await asyncssh.listen(
        host,
        port,
        server_factory=PortalSSHServer,
        server_host_keys=[host_key],
        sftp_factory=PortalSFTPServer,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=settings.SFTP_LOGIN_TIMEOUT,
    )
