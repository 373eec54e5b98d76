"""Models the project trained itself and ships inside the package: ``edge/bundled/<folder>/``.

Each folder holds a model card (``card.yaml``), the model file it names, ``MODEL_CARD.md`` and ``SHA256SUMS``
in ``sha256sum`` format (``<sha256>  <file>`` for every other file of the folder, so ``sha256sum -c
SHA256SUMS`` checks it too). ``brightkitchen models bundle-sums`` writes it. ``brightkitchen models install``
copies each folder into ``MODELS/brightkitchen-<folder>/`` with the pack, hash-checked and renamed into
place like the pack's files; being in the package, they need no network.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from brightkitchen.edge import models_pack
from brightkitchen.edge.models_pack import FileCheck, InstallResult, Manifest, ManifestFile

ROOT = Path(__file__).parent / "bundled"  # tests point this at a temporary folder
PREFIX = "brightkitchen-"  # installed folder: MODELS/brightkitchen-<folder>/
SUMS = "SHA256SUMS"
CARD = "card.yaml"
LICENSE = "see MODEL_CARD.md"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *]([A-Za-z0-9._-]+)$")


class BundleError(ValueError):
    """A bundled folder whose SHA256SUMS is missing, malformed or out of date."""


def installed_name(folder: str) -> str:
    """The folder a bundled model is installed to inside the models folder."""
    return PREFIX + folder


def folders(root: Path | None = None) -> list[Path]:
    root = ROOT if root is None else root
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _payload(folder: Path) -> list[Path]:
    """The files SHA256SUMS covers: every plain file of the folder but itself and hidden ones."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != SUMS and not p.name.startswith("."))


def write_sums(folder: Path) -> Path:
    """(Re)write ``folder/SHA256SUMS`` from the files as they are now."""
    lines = [f"{models_pack.sha256_file(p)}  {p.name}\n" for p in _payload(folder)]
    target = folder / SUMS
    tmp = target.with_name(SUMS + ".tmp")
    tmp.write_text("".join(lines), encoding="ascii")
    os.replace(tmp, target)
    return target


def read_sums(folder: Path) -> dict[str, str]:
    """file name -> sha256, checked against the folder: every file listed exists, every file is listed."""
    path = folder / SUMS
    if not path.is_file():
        raise BundleError(f"bundled/{folder.name}: no {SUMS} (run `brightkitchen models bundle-sums`)")
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        match = _LINE.match(line.strip())
        if not match:
            raise BundleError(f"bundled/{folder.name}/{SUMS}:{number}: not `<sha256>  <file>`")
        sums[match.group(2)] = match.group(1)
    on_disk = {p.name for p in _payload(folder)}
    if CARD not in sums:
        raise BundleError(f"bundled/{folder.name}: {SUMS} does not list {CARD}")
    if set(sums) != on_disk:
        missing, unlisted = sorted(set(sums) - on_disk), sorted(on_disk - set(sums))
        raise BundleError(
            f"bundled/{folder.name}: {SUMS} is out of date (missing files: {missing or 'none'}, unlisted files: "
            f"{unlisted or 'none'}); run `brightkitchen models bundle-sums`"
        )
    return sums


@dataclass(frozen=True)
class Bundle:
    """The bundled models as manifest entries (MODELS/brightkitchen-<folder>/<file>), and what is wrong."""

    entries: list[ManifestFile] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # entry relpath -> the file in the package
    problems: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> Manifest:
        return Manifest(manifest_version=1, files=self.entries)


def load(root: Path | None = None) -> Bundle:
    bundle = Bundle()
    for folder in folders(root):
        try:
            sums = read_sums(folder)
        except BundleError as exc:
            bundle.problems.append(str(exc))
            continue
        for name, digest in sorted(sums.items()):
            source = folder / name
            entry = ManifestFile(
                folder=installed_name(folder.name),
                file=name,
                sha256=digest,
                size=source.stat().st_size,
                url=f"bundled/{folder.name}/{name}",
                license=LICENSE,
            )
            bundle.entries.append(entry)
            bundle.sources[entry.relpath] = source
    return bundle


def install(models_dir: Path, bundle: Bundle | None = None) -> list[InstallResult]:
    """Install every bundled file into ``models_dir``; a file the package holds altered is refused."""
    bundle = bundle or load()
    return [models_pack.install_local(models_dir, e, bundle.sources[e.relpath]) for e in bundle.entries]


def verify(models_dir: Path, bundle: Bundle | None = None) -> list[FileCheck]:
    bundle = bundle or load()
    return models_pack.verify(models_dir, bundle.manifest) if bundle.entries else []
