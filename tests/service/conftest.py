"""What the service tests share: a real SQLite database on the test's clock."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shared.db import make_engine
from tests.fakes import FixedClock


@pytest.fixture
def engine(tmp_path: Path, clock: FixedClock) -> Iterator[Engine]:
    """The service's database, in the test's own folder; each adapter migrates it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}", clock)
    yield engine
    engine.dispose()
