"""No module of ours is named like one of Python's own.

An app runs with its service folder as the working directory (dapr.yaml's
appDirPath), and `python -m` puts that folder first on sys.path: a
services/maintenance/operator.py once replaced the standard `operator` module
and kept the maintenance app from starting under `make run`.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_or_package_shadows_the_standard_library():
    clashes = []
    for folder in ("services", "shared", "tools", "tests"):
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT)
            if "tools/dapr" in relative.as_posix() or "__pycache__" in relative.parts:
                continue
            name = path.stem if path.suffix == ".py" else path.name if path.is_dir() else None
            if name in sys.stdlib_module_names:
                clashes.append(relative.as_posix())
    assert clashes == []
