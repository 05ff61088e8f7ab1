import pathlib
import re
import subprocess
import sys

import dtc

PACKAGE = pathlib.Path(dtc.__file__).parent


def test_the_dtc_package_imports_with_django_unavailable():
    # In a fresh interpreter where any import of django fails.
    script = (
        "import sys; sys.modules['django'] = None\n"
        "import dtc, bench.dtc_lines, dtc.codes, dtc.flows, dtc.items, dtc.mpan, dtc.parser\n"
        "import dtc.writer\n"
        "assert not [m for m in sys.modules if m.startswith('django') and sys.modules[m]]\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_no_module_of_the_dtc_package_imports_django():
    django_import = re.compile(r"^\s*(from|import)\s+django\b|import_module\(.django", re.M)

    importers = [
        path.name for path in PACKAGE.glob("**/*.py") if django_import.search(path.read_text())
    ]

    assert importers == []
