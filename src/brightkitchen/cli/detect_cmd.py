"""`brightkitchen detect` (being built)."""

from pathlib import Path

import typer


def detect(images: list[Path], as_json: bool = typer.Option(True, "--json")) -> None:
    raise typer.Exit(2)
