"""Which model cards a detector stack runs: the configured ones, the installed bundled fire/smoke model, and
over-the-air models from the platform, where a later one replaces an earlier one of the same name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from brightkitchen.edge.bundled_models import CARD, installed_name
from brightkitchen.edge.detect.onnx_yolo import load_card

FIRE_SMOKE = installed_name("fire-smoke")  # MODELS/brightkitchen-fire-smoke/card.yaml, from `models install`


def fire_smoke_card(models_dir: Path) -> Path | None:
    path = Path(models_dir) / FIRE_SMOKE / CARD
    return path if path.is_file() else None


def _names(path: Path) -> set[str]:
    """The names a card answers to: its own, and for an installed bundled model its folder's."""
    names = {load_card(path)[0].name}
    if path.name == CARD and path.parent.name.startswith(installed_name("")):
        names.add(path.parent.name)
    return names


def stack_cards(
    configured: Sequence[Path], models_dir: Path, fire_smoke: bool, extra: Sequence[Path] = ()
) -> list[Path]:
    """Configured cards, then the fire/smoke card when installed and wanted, then ``extra`` (over-the-air);
    an ``extra`` card drops every earlier card that answers to its name (e.g. brightkitchen-fire-smoke v2)."""
    base = list(configured)
    bundled = fire_smoke_card(models_dir) if fire_smoke else None
    if bundled is not None and bundled not in base:
        base.append(bundled)
    if not extra:
        return base
    replaced = {load_card(path)[0].name for path in extra}
    return [p for p in base if not (_names(p) & replaced)] + list(extra)
