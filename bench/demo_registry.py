"""Demo metering points for the quick start, loaded through the real flow path."""

import tempfile
from pathlib import Path

from accounts.models import Organisation
from bench.demo_examples import demo_example_points
from bench.generate import flow_files_generate
from registry.models import FlowFileChannel, FlowFileStatus, MeteringPoint
from registry.services import flow_file_process, flow_file_receive

DEMO_METERING_POINTS = 20_000
DEMO_DISTRIBUTOR = "12"  # London, sent by the demo distributor LOND


def demo_registry_load(*, count: int = DEMO_METERING_POINTS) -> int:
    """Generate a London full refresh (plus MTRW's D0312 and a D0386), with the fixed
    example points of bench.demo_examples at its end, and apply them;
    does nothing when the registry already holds points. Returns the points loaded."""
    if MeteringPoint.objects.exists():
        return 0
    with tempfile.TemporaryDirectory() as folder:
        paths = flow_files_generate(
            count=count,
            out=Path(folder),
            distributor=DEMO_DISTRIBUTOR,
            extra_points=demo_example_points(),
        )
        wanted = [p for p in paths if p.name.startswith(("D0204", "D0386", "D0312_MTRW"))]
        for path in sorted(wanted):  # the refresh first: D0204 < D0312 < D0386
            with path.open("rb") as content:
                flow_file = flow_file_receive(
                    content=content,
                    original_name=path.name,
                    channel=FlowFileChannel.COMMAND,
                    sender=Organisation.objects.filter(mpid=_sender(path.name)).first(),
                    queue=False,
                )
            flow_file = flow_file_process(flow_file_id=flow_file.pk)
            if flow_file.status != FlowFileStatus.APPLIED:
                raise RuntimeError(f"demo file {path.name} was rejected: {flow_file.errors}")
    return MeteringPoint.objects.count()


def _sender(name: str) -> str:
    return "MTRW" if name.startswith("D0312") else "LOND"
