"""Bundled models (edge/bundled/<folder>/): SHA256SUMS written and checked, installed with the pack into
MODELS/brightkitchen-<folder>/ without a network, verified and listed, refused when altered. The tests use a
temporary bundled folder holding a tiny real ONNX model; the last one checks the folders the package ships."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import yaml
from typer.testing import CliRunner

from brightkitchen.cli import app
from brightkitchen.edge import bundled_models
from brightkitchen.edge.models_pack import FileState, Outcome
from tests.edge.detect.helpers import write_yolo_onnx
from tests.edge.pipeline.receiver import free_port

runner = CliRunner()
MODEL = "brightkitchen-fire-smoke.onnx"
# v8 layout (1, 4 + 2, N) in 64x64 network pixels: a fire box and a smoke box, whatever the frame.
FIRE_SMOKE_ROWS = np.array(
    [
        [20, 40, 16, 16, 0.9, 0.05],  # fire
        [40, 16, 24, 20, 0.1, 0.8],  # smoke
        [50, 50, 8, 8, 0.1, 0.1],  # under every threshold
    ],
    np.float32,
)


def write_fire_smoke_bundle(folder: Path, rows: npt.NDArray[np.float32] = FIRE_SMOKE_ROWS, version: str = "1") -> Path:
    """A bundled fire/smoke model folder as the project ships one: card, ONNX file, MODEL_CARD.md."""
    folder.mkdir(parents=True, exist_ok=True)
    write_yolo_onnx(folder / MODEL, rows.T[None].copy())
    card = {
        "name": "brightkitchen-fire-smoke",
        "version": version,
        "file": MODEL,
        "layout": "v8",
        "input_size": 64,
        "labels": ["fire", "smoke"],
        "violations": {"fire": "fire_smoke", "smoke": "fire_smoke"},
        "score_threshold": 0.5,
    }
    (folder / "card.yaml").write_text(yaml.safe_dump(card), encoding="utf-8")
    (folder / "MODEL_CARD.md").write_text("# fire-smoke (test)\n", encoding="utf-8")
    return folder


@pytest.fixture
def bundle_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "bundled"
    write_fire_smoke_bundle(root / "fire-smoke")
    (root / "__pycache__").mkdir()  # not a model: ignored
    monkeypatch.setattr(bundled_models, "ROOT", root)
    return root


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def unreachable() -> str:
    return f"http://127.0.0.1:{free_port()}/pack"  # nothing listens there: the network is "down"


def test_bundle_sums_writes_sha256sum_format(bundle_root: Path) -> None:
    code, out, _ = invoke("models", "bundle-sums")
    assert code == 0 and out.strip() == "wrote fire-smoke/SHA256SUMS"
    folder = bundle_root / "fire-smoke"
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    expected = [
        f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}"
        for n in sorted(["MODEL_CARD.md", MODEL, "card.yaml"])
    ]
    assert lines == expected
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_install_without_network_installs_the_bundle_then_verify_and_list(bundle_root: Path, tmp_path: Path) -> None:
    invoke("models", "bundle-sums")
    target = tmp_path / "models"
    code, out, err = invoke("models", "install", "--from", unreachable(), "--dir", str(target))
    assert code == 1 and "cannot reach" in err  # the pack needs the network...
    for name in ("card.yaml", MODEL, "MODEL_CARD.md"):
        assert f"installed  brightkitchen-fire-smoke/{name}" in out  # ...the bundle does not
        assert (target / "brightkitchen-fire-smoke" / name).read_bytes() == (
            bundle_root / "fire-smoke" / name
        ).read_bytes()
    assert not [p for p in target.rglob("*") if p.name.endswith(".partial")]
    code, out, _ = invoke("models", "install", "--from", unreachable(), "--dir", str(target))
    assert "present    brightkitchen-fire-smoke/card.yaml" in out
    code, out, _ = invoke("models", "verify", "--dir", str(target))
    assert code == 1  # the pack is missing
    assert "ok        brightkitchen-fire-smoke/" + MODEL in out
    code, out, _ = invoke("models", "list")
    assert code == 0
    listed = [line for line in out.splitlines() if line.startswith("brightkitchen-fire-smoke/")]
    assert len(listed) == 3 and all("bundled/fire-smoke/" in line and "MODEL_CARD.md" in line for line in listed)


def test_an_altered_bundle_file_is_refused_and_an_altered_install_is_caught(bundle_root: Path, tmp_path: Path) -> None:
    invoke("models", "bundle-sums")
    target = tmp_path / "models"
    results = {r.entry.file: r for r in bundled_models.install(target)}
    assert {r.outcome for r in results.values()} == {Outcome.installed}
    installed = target / "brightkitchen-fire-smoke" / MODEL
    installed.write_bytes(installed.read_bytes()[::-1])
    states = {c.entry.file: c.state for c in bundled_models.verify(target)}
    assert states[MODEL] is FileState.mismatch and states["card.yaml"] is FileState.ok
    installed.unlink()
    source = bundle_root / "fire-smoke" / MODEL
    source.write_bytes(source.read_bytes()[:-1] + b"\x00")  # the package's copy altered after its sums
    again = {r.entry.file: r for r in bundled_models.install(target)}
    assert again[MODEL].outcome is Outcome.refused and "differs" in again[MODEL].detail
    assert again["card.yaml"].outcome is Outcome.present
    assert not installed.exists()
    assert not [p for p in target.rglob("*") if p.name.endswith(".partial")]


def test_missing_or_stale_sums_are_errors(bundle_root: Path, tmp_path: Path) -> None:
    folder = bundle_root / "fire-smoke"
    code, _, err = invoke("models", "install", "--from", unreachable(), "--dir", str(tmp_path / "m"))
    assert code == 1 and "bundled/fire-smoke: no SHA256SUMS (run `brightkitchen models bundle-sums`)" in err
    assert not (tmp_path / "m" / "brightkitchen-fire-smoke").exists()
    bundled_models.write_sums(folder)
    (folder / "notes.txt").write_text("added after the sums\n")
    code, _, err = invoke("models", "verify", "--dir", str(tmp_path / "m"))
    assert code == 1 and "out of date" in err and "notes.txt" in err
    (folder / "notes.txt").unlink()
    (folder / "SHA256SUMS").write_text("not a checksum line\n")
    bundle = bundled_models.load()
    assert bundle.entries == [] and "SHA256SUMS:1" in bundle.problems[0]


def test_the_shipped_bundles_match_their_sums() -> None:
    shipped = bundled_models.folders()
    if not shipped:
        pytest.skip("no bundled model folders in this checkout yet")
    bundle = bundled_models.load()
    assert bundle.problems == []  # else: run `brightkitchen models bundle-sums`
    for entry in bundle.entries:
        source = bundle.sources[entry.relpath]
        assert hashlib.sha256(source.read_bytes()).hexdigest() == entry.sha256, entry.relpath
    assert {e.file for e in bundle.entries} >= {"card.yaml", "MODEL_CARD.md"}
