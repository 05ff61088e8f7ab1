import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
from django.conf import settings

from accounts.roles import MarketRole, UserRole
from extracts.services import ssh_key_add
from tests.conftest import database_env, missing_part
from tests.factories import OrganisationFactory, UserFactory

BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class Party:
    """An organisation admin of a party with a registered SSH key."""

    user: object
    private_key: asyncssh.SSHKey

    @property
    def organisation(self):
        return self.user.organisation


def party_with_key(mpid: str, role_codes: str = MarketRole.METER_OPERATOR) -> Party:
    organisation = OrganisationFactory(mpid=mpid, name=f"{mpid} Ltd", role_codes=role_codes)
    user = UserFactory(
        organisation=organisation,
        email=f"ops@{mpid.lower()}.example",
        role=UserRole.ORGANISATION_ADMIN,
    )
    key = asyncssh.generate_private_key("ssh-ed25519")
    ssh_key_add(user=user, name="settlement server", text=key.export_public_key().decode())
    return Party(user=user, private_key=key)


@dataclass
class SftpServer:
    host: str
    port: int
    host_key: asyncssh.SSHKey
    log: Path

    def session(self, email: str, private_key, action):
        """Log in as `email` with `private_key` and run `action(sftp_client)`."""

        async def main():
            async with (
                asyncssh.connect(
                    self.host,
                    self.port,
                    username=email,
                    client_keys=[private_key],
                    known_hosts=([self.host_key], [], []),
                    agent_path=None,
                    config=[],
                ) as connection,
                connection.start_sftp_client() as client,
            ):
                return await action(client)

        return asyncio.run(main())

    def as_party(self, party: Party, action):
        return self.session(party.user.email, party.private_key, action)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sftp_server(transactional_db, media_root, tmp_path):
    """A real `manage.py sftp_server` process on a free port, on the test database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_part("the SFTP server test needs PostgreSQL (DATABASE_URL) to share data")
    port = _free_port()
    key_path = tmp_path / "sftp_host_key"
    log = tmp_path / "sftp.log"
    env = {
        **os.environ,
        **database_env(),
        "REDIS_URL": settings.REDIS_URL or "",
        "MEDIA_ROOT": str(media_root),
        "SFTP_HOST_KEY_PATH": str(key_path),
        "SFTP_MAX_FAILURES": "4",
        "SERVICE_STATUS_CACHE_SECONDS": "0",
    }
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "sftp_server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while b"listening" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The SFTP server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        host_key = asyncssh.read_public_key(f"{key_path}.pub")
        yield SftpServer("127.0.0.1", port, host_key, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
