"""The Python package writes the same bytes as ``refolio convert`` for the
same input, metadata and ``SOURCE_DATE_EPOCH``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import refolio

from conftest import SOURCE_DATE_EPOCH

ALL = ["tei", "json", "epub", "pdf", "article"]


def run_cli(cli: Path, args, cwd: Path) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    subprocess.run([str(cli), "convert", "-q", *args], cwd=cwd, env=env, check=True)


def outputs(directory: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture()
def inputs(tmp_path, examples):
    """The examples (with sidecars) in a folder of their own."""
    d = tmp_path / "in"
    d.mkdir()
    for src in examples:
        shutil.copyfile(src, d / src.name)
        if src.with_suffix(".toml").exists():
            shutil.copyfile(src.with_suffix(".toml"), d / src.with_suffix(".toml").name)
    return sorted(d.glob("*.txt"))


def test_convert_file_matches_the_cli(cli, tmp_path, inputs, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    run_cli(cli, [*(str(p) for p in inputs), "-t", ",".join(ALL), "-o", str(tmp_path / "cli")], tmp_path)
    for p in inputs:
        refolio.convert_file(p, tmp_path / "py", ALL)
    expected = outputs(tmp_path / "cli")
    assert len(expected) == len(inputs) * len(ALL)
    got = outputs(tmp_path / "py")
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from the CLI's"


def test_options_match_the_cli(cli, tmp_path, inputs, monkeypatch):
    """Metadata options over the sidecar, --review, --tei-profile all,
    --epub-notes first."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    p = inputs[0]
    run_cli(
        cli,
        [str(p), "-t", "tei,epub", "-o", str(tmp_path / "cli"), "--author", "B. Other", "--lang", "en-GB",
         "--publisher", "The Press", "--review", "--tei-profile", "all", "--epub-notes", "first"],
        tmp_path,
    )
    meta = {"author": "B. Other", "publisher": "The Press"}
    refolio.convert_file(p, tmp_path / "py", ["tei", "epub"], lang="en-GB", meta=meta, review=True,
                         tei_profile="all", epub_notes="first")
    assert outputs(tmp_path / "py") == outputs(tmp_path / "cli")


def test_read_and_render_match_the_cli(cli, tmp_path, inputs, monkeypatch):
    """``read`` + ``to_*`` (metadata given as a dict, not a sidecar) give the
    CLI's bytes for the same input and metadata."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for p in inputs:
        sidecar = p.with_suffix(".toml")
        meta = {}
        if sidecar.exists():
            for line in sidecar.read_text().splitlines():
                if "=" in line:
                    k, v = line.split("=", 1)
                    meta[k.strip()] = v.strip().strip('"')
            sidecar.unlink()
        cli_args = [str(p), "-t", ",".join(ALL), "-o", str(tmp_path / "cli")]
        for k, v in meta.items():
            cli_args += [f"--{k}", v]
        run_cli(cli, cli_args, tmp_path)
        doc = refolio.read(p.read_bytes(), name=str(p), meta=meta)
        stem = tmp_path / "cli" / p.stem
        ts = int(SOURCE_DATE_EPOCH)
        assert doc.to_tei(timestamp=ts).encode() == Path(f"{stem}.tei.xml").read_bytes()
        assert doc.to_json().encode() == Path(f"{stem}.json").read_bytes()
        assert doc.to_article().encode() == Path(f"{stem}.article.txt").read_bytes()
        assert doc.to_epub(timestamp=ts) == Path(f"{stem}.epub").read_bytes()
        assert doc.to_pdf(timestamp=ts) == Path(f"{stem}.pdf").read_bytes()
