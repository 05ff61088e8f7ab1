import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from extracts.sftp import host_key_load_or_create, sftp_serve


class Command(BaseCommand):
    help = "Run the SFTP service: each party's own live files, read-only, SSH-key login."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SFTP_BIND)
        parser.add_argument("--port", type=int, default=settings.SFTP_PORT)

    def handle(self, *args, host, port, **options):
        key = host_key_load_or_create(settings.SFTP_HOST_KEY_PATH)
        asyncio.run(self._serve(host, port, key))

    async def _serve(self, host, port, key):
        acceptor = await sftp_serve(host=host, port=port, host_key=key)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(
            f"SFTP server listening on {host}:{port}, host key {key.get_fingerprint('sha256')}",
        )
        self.stdout.flush()
        await stop.wait()
        acceptor.close()
        await acceptor.wait_closed()
