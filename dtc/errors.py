"""The one error type of the DTC parser and writer.

Every error names where it happened (line number, group, item) and why, so an operator
can open the file at that line and see the fault without reading code.
"""


class DtcError(Exception):
    """A DTC file (or a value given to the writer) breaks the flow's rules.

    ``str(error)`` reads like ``line 12, group P02, item meter_type: 'XX' is not a meter
    type code``; the parts that are unknown (a blank line has no group) are left out.
    ``reason`` is the message without the location.
    """

    def __init__(
        self,
        reason: str,
        *,
        line_no: int | None = None,
        group: str | None = None,
        item: str | None = None,
    ) -> None:
        self.reason = reason
        self.line_no = line_no
        self.group = group
        self.item = item
        super().__init__(self.message)

    @property
    def location(self) -> str:
        parts = []
        if self.line_no is not None:
            parts.append(f"line {self.line_no}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        location = self.location
        return f"{location}: {self.reason}" if location else self.reason

    def __reduce__(self):
        # Keeps the error intact through pickling (Celery results, multiprocessing).
        return (_rebuild, (type(self), self.reason, self.line_no, self.group, self.item))


class FlowNotAccepted(DtcError):
    """The file's flow or flow version is not one this service is configured to accept.

    The reason names what arrived and what is accepted, for example
    ``D0312 version 001 is not accepted; accepted versions: 002``; the file is rejected
    whole and can be re-processed once the configuration (``accepted_versions``) changes.
    """


def _rebuild(cls, reason, line_no, group, item):
    return cls(reason, line_no=line_no, group=group, item=item)


class FastPathDeclined(Exception):
    """The fast line reader met something it does not judge itself (any fault, or an
    order of groups it does not know): read the file again with the full reader, which
    either explains the fault or accepts the file. Not a DtcError: it never reaches a
    user."""

    def __init__(self, line_no: int) -> None:
        self.line_no = line_no
        super().__init__(f"the fast path declined line {line_no}")
