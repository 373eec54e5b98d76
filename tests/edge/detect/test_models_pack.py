"""The model pack: manifest, install from a folder and over HTTP (a real local server), verify, refuse."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightkitchen.edge import models_pack
from brightkitchen.edge.models_pack import FileState, Manifest, Outcome


def test_manifest_lists_every_shared_model_file_with_its_hash(models_dir: Path) -> None:
    manifest = models_pack.load_manifest()
    on_disk = {f"{p.parent.name}/{p.name}" for p in models_dir.glob("*/*") if p.is_file()}
    assert {e.relpath for e in manifest.files} == on_disk
    for entry in manifest.files:
        assert entry.url.startswith("https://raw.githubusercontent.com/")
        assert entry.license
    assert all(c.state is FileState.ok for c in models_pack.verify(models_dir, manifest))


def test_default_models_dir() -> None:
    assert models_pack.default_models_dir({"BRIGHTKITCHEN_MODELS": "/m"}) == Path("/m")
    assert models_pack.default_models_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/brightkitchen/models")
    assert models_pack.default_models_dir({}) == Path.home() / ".local/share/brightkitchen/models"


def test_install_from_a_folder_then_verify(tmp_path: Path, models_dir: Path) -> None:
    target = tmp_path / "models"
    results = models_pack.install(target, str(models_dir))
    assert {r.outcome for r in results} == {Outcome.installed}
    assert all(c.state is FileState.ok for c in models_pack.verify(target))
    assert not list(target.rglob("*.partial"))
    # a second run finds everything in place
    assert {r.outcome for r in models_pack.install(target, str(models_dir))} == {Outcome.present}
    # an altered file is caught by verify and replaced by install
    victim = target / "yolo-fastest-coco" / "coco.names"
    victim.write_text("not the coco names\n")
    states = {c.entry.relpath: c.state for c in models_pack.verify(target)}
    assert states["yolo-fastest-coco/coco.names"] is FileState.mismatch
    again = {r.entry.relpath: r.outcome for r in models_pack.install(target, str(models_dir))}
    assert again["yolo-fastest-coco/coco.names"] is Outcome.installed
    (target / "ulfd" / "LICENSE").unlink()
    assert {c.entry.relpath: c.state for c in models_pack.verify(target)}["ulfd/LICENSE"] is FileState.missing


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def served(tmp_path: Path, models_dir: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a copy of the small files of the pack."""
    root = tmp_path / "served"
    for folder in ("yolo-fastest-coco", "yolo-fastest-body", "aizoo-facemask"):
        (root / folder).mkdir(parents=True)
        for name in ("coco.names", "body.names", "LICENSE", "face_mask_detection.prototxt"):
            if (models_dir / folder / name).is_file():
                shutil.copy(models_dir / folder / name, root / folder / name)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pack", root
    finally:
        server.shutdown()
        server.server_close()


def small_manifest() -> Manifest:
    wanted = {"yolo-fastest-coco/coco.names", "yolo-fastest-body/body.names", "aizoo-facemask/LICENSE"}
    full = models_pack.load_manifest()
    return Manifest(manifest_version=1, files=[e for e in full.files if e.relpath in wanted])


def test_download_installs_good_files_and_refuses_a_wrong_hash(tmp_path: Path, served: tuple[str, Path]) -> None:
    base, root = served
    # the server is rooted above "pack": move the tree under it
    (root / "pack").mkdir()
    for folder in ("yolo-fastest-coco", "yolo-fastest-body", "aizoo-facemask"):
        shutil.move(root / folder, root / "pack" / folder)
    tampered = root / "pack" / "yolo-fastest-body" / "body.names"
    tampered.write_bytes(tampered.read_bytes().upper())  # same size, other bytes: only the hash can tell
    target = tmp_path / "models"
    results = {r.entry.relpath: r for r in models_pack.install(target, base, small_manifest())}
    assert results["yolo-fastest-coco/coco.names"].outcome is Outcome.installed
    assert results["aizoo-facemask/LICENSE"].outcome is Outcome.installed
    refused = results["yolo-fastest-body/body.names"]
    assert refused.outcome is Outcome.refused and "differs" in refused.detail
    assert not (target / "yolo-fastest-body" / "body.names").exists()
    assert not [p for p in target.rglob("*") if p.is_file() and p.name.endswith(".partial")]
    assert [c.state for c in models_pack.verify(target, small_manifest())].count(FileState.ok) == 2


def test_download_of_a_missing_file_fails_cleanly(tmp_path: Path, served: tuple[str, Path]) -> None:
    base, _ = served
    results = models_pack.install(tmp_path / "models", base + "/nothing-here", small_manifest())
    assert {r.outcome for r in results} == {Outcome.failed}
    assert not [p for p in (tmp_path / "models").rglob("*") if p.is_file()]


def test_install_from_a_missing_folder_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        models_pack.install(tmp_path / "models", str(tmp_path / "nowhere"))


def test_a_longer_file_is_refused_without_reading_it_all(tmp_path: Path, models_dir: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(models_dir / "yolo-fastest-body", source / "yolo-fastest-body")
    (source / "yolo-fastest-body" / "body.names").write_bytes(b"person\n" * 100_000)
    manifest = Manifest(
        manifest_version=1,
        files=[e for e in models_pack.load_manifest().files if e.relpath == "yolo-fastest-body/body.names"],
    )
    (result,) = models_pack.install(tmp_path / "models", str(source), manifest)
    assert result.outcome is Outcome.refused and "more than" in result.detail
    assert not [p for p in (tmp_path / "models").rglob("*") if p.is_file()]
