"""`brightkitchen models`: install, verify and list the model pack (files and hashes in models_manifest.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brightkitchen.edge import models_pack
from brightkitchen.edge.models_pack import FileState, Outcome

app = typer.Typer(no_args_is_help=True)

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Models folder (default: $BRIGHTKITCHEN_MODELS, else $XDG_DATA_HOME/brightkitchen/models).",
        file_okay=False,
    ),
]


@app.command()
def install(
    source: Annotated[
        str | None,
        typer.Option("--from", help="A local folder laid out as folder/file, or a base URL; default: upstream URLs."),
    ] = None,
    models_dir: DirOption = None,
) -> None:
    """Install the model pack, refusing any file whose sha256 differs from the manifest."""
    target = models_dir or models_pack.default_models_dir()
    try:
        results = models_pack.install(target, source)
    except NotADirectoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for result in results:
        detail = f"  ({result.detail})" if result.detail else ""
        typer.echo(f"{result.outcome.value:<10} {result.entry.relpath}{detail}")
    bad = [r for r in results if r.outcome in (Outcome.refused, Outcome.failed)]
    if bad:
        typer.echo(f"{len(bad)} of {len(results)} files not installed", err=True)
        if any(r.unreachable for r in bad):
            typer.echo(
                f"error: cannot reach {source or 'the upstream addresses of the manifest'} (no network?). "
                "Copy the pack from a machine that has it (`brightkitchen models list` names every file) and run "
                "`brightkitchen models install --from DIR`. Until then the edge and `brightkitchen demo` run on the "
                "basic fallback detector (faces only).",
                err=True,
            )
        raise typer.Exit(1)


@app.command()
def verify(models_dir: DirOption = None) -> None:
    """Check every file of the pack against the manifest's sha256."""
    checks = models_pack.verify(models_dir or models_pack.default_models_dir())
    for check in checks:
        typer.echo(f"{check.state.value:<9} {check.entry.relpath}")
    bad = [c for c in checks if c.state is not FileState.ok]
    if bad:
        typer.echo(
            f"{len(bad)} of {len(checks)} files missing or altered: run `brightkitchen models install`", err=True
        )
        raise typer.Exit(1)


@app.command("list")
def list_files() -> None:
    """The files of the pack: size, licence, upstream address."""
    for entry in models_pack.load_manifest().files:
        typer.echo(f"{entry.relpath:<50} {entry.size:>9}  {entry.license:<28} {entry.url}")
