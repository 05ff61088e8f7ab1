import csv
import io

import pytest

from reports.models import Report


@pytest.fixture(autouse=True)
def _bulk_files_in_a_temporary_media_root(media_root):
    return media_root


def result_rows(report: Report) -> list[list[str]]:
    """The result file of a bulk search, as CSV rows (header first)."""
    with report.file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8"), newline="")))
