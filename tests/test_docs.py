"""Docs that are generated from code stay true to it."""

from __future__ import annotations

from pathlib import Path

from brightkitchen.cli.config_cmd import reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_is_current() -> None:
    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == reference(), (
        "docs/configuration.md is out of date: run `brightkitchen config reference > docs/configuration.md`"
    )
