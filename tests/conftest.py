"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = (REPO.parent / "shared" / "realdata").resolve()
SHARED = (REPO.parent / "shared").resolve()


@pytest.fixture
def realdata() -> Path:
    """`../shared/realdata` of the checkout; the test is skipped when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


def read_realdata(relpath: str) -> str:
    """Text of one realdata file, or skip the test when it is absent."""
    path = REALDATA / relpath
    if not path.is_file():
        pytest.skip(f"realdata file {relpath} is not present")
    return path.read_text(encoding="utf-8", errors="replace")
