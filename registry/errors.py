"""The errors of flow ingestion, each with a human message and where it was found."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FlowProblem:
    """One reason, in the shape kept in FlowFile.errors and shown to users."""

    reason: str
    line: int | None = None
    group: str | None = None
    item: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line else "",
                f"group {self.group}" if self.group else "",
                f"item {self.item}" if self.item else "",
            )
            if part
        )
        return f"{where}: {self.reason}" if where else self.reason


class FlowRejected(Exception):
    """The whole file is refused; nothing of it is applied."""

    def __init__(
        self,
        reason: str,
        *,
        line: int | None = None,
        group: str | None = None,
        item: str | None = None,
    ):
        self.problem = FlowProblem(reason=reason, line=line, group=group, item=item)
        super().__init__(str(self.problem))


class FlowFileError(Exception):
    """A request about a flow file that cannot be met (not found, wrong state, ...)."""


class FlowFileTooLarge(FlowFileError):
    """A file sent through the portal is over FLOW_UPLOAD_MAX_BYTES; nothing was stored."""
