"""Shared fixtures: the repository, the CLI binary, generated batches.

The articles are the repository's own examples (``input/*.txt`` with their
sidecars), copied under new names at test time; nothing outside the
repository is read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

REPO = Path(__file__).resolve().parents[2]
INPUT = REPO / "input"
EXAMPLES = sorted(INPUT.glob("*.txt"))
SOURCE_DATE_EPOCH = "1700000000"


def cli_binary() -> Path:
    """``refolio`` built in debug (``$REFOLIO_BIN``, else the target dir's
    ``debug/refolio``, built if missing)."""
    if os.environ.get("REFOLIO_BIN"):
        return Path(os.environ["REFOLIO_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    binary = target / "debug" / "refolio"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--quiet", "--bin", "refolio"], cwd=REPO, check=True)
    return binary


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_binary()


@pytest.fixture(scope="session")
def examples() -> List[Path]:
    assert len(EXAMPLES) >= 3, "input/*.txt"
    return EXAMPLES


def require(module: str):
    """Imports ``module``; when it is missing, the test is skipped, or fails
    under ``REFOLIO_REQUIRE_TOOLS=1`` (CI), as the Rust suite's validators."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("REFOLIO_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{module} is not installed (scripts/install-validators.sh --python-env)",
                        pytrace=False)
        pytest.skip(f"SKIPPED: {module} is not installed", allow_module_level=True)


def make_batch(directory: Path, n: int, bad: int = 0) -> List[Path]:
    """``n`` articles in ``directory``: the examples in turn, each copy named
    ``aNNNNN-STEM.txt`` with its sidecar; the last ``bad`` of them get an
    invalid UTF-8 byte in their third line."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        src = EXAMPLES[i % len(EXAMPLES)]
        dst = directory / f"a{i:05d}-{src.stem}.txt"
        data = src.read_bytes()
        if i >= n - bad:
            lines = data.split(b"\n")
            lines[2] = lines[2][:10] + b"\xff\xfe" + lines[2][10:]
            data = b"\n".join(lines)
        dst.write_bytes(data)
        sidecar = src.with_suffix(".toml")
        if sidecar.exists():
            shutil.copyfile(sidecar, dst.with_suffix(".toml"))
        paths.append(dst)
    return paths
