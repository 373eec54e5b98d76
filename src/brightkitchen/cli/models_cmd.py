"""`brightkitchen models`: install, verify and list the model pack (files and hashes in models_manifest.json)
and the project's own bundled models (edge/bundled/<folder>/, hashes in each folder's SHA256SUMS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brightkitchen.edge import bundled_models, models_pack
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
    """Install the model pack and the bundled models, refusing any file whose sha256 differs from its list."""
    target = models_dir or models_pack.default_models_dir()
    try:
        results = models_pack.install(target, source)
    except NotADirectoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    bundle = bundled_models.load()
    results += bundled_models.install(target, bundle)  # from the package itself: no network needed
    _bundle_problems(bundle.problems)
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
    if bundle.problems:
        raise typer.Exit(1)


def _bundle_problems(problems: list[str]) -> None:
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)


@app.command()
def verify(models_dir: DirOption = None) -> None:
    """Check every file of the pack and of the bundled models against its sha256."""
    target = models_dir or models_pack.default_models_dir()
    bundle = bundled_models.load()
    checks = models_pack.verify(target) + bundled_models.verify(target, bundle)
    _bundle_problems(bundle.problems)
    for check in checks:
        typer.echo(f"{check.state.value:<9} {check.entry.relpath}")
    bad = [c for c in checks if c.state is not FileState.ok]
    if bad:
        typer.echo(
            f"{len(bad)} of {len(checks)} files missing or altered: run `brightkitchen models install`", err=True
        )
        raise typer.Exit(1)
    if bundle.problems:
        raise typer.Exit(1)


@app.command("list")
def list_files() -> None:
    """The files of the pack and the bundled models: size, licence, where they come from."""
    bundle = bundled_models.load()
    for entry in [*models_pack.load_manifest().files, *bundle.entries]:
        typer.echo(f"{entry.relpath:<50} {entry.size:>9}  {entry.license:<28} {entry.url}")
    _bundle_problems(bundle.problems)


@app.command("bundle-sums")
def bundle_sums() -> None:
    """Rewrite SHA256SUMS in every bundled model folder (after changing a bundled model; run in a checkout)."""
    found = bundled_models.folders()
    if not found:
        typer.echo(f"no bundled model folders under {bundled_models.ROOT.name}/", err=True)
        raise typer.Exit(1)
    for folder in found:
        path = bundled_models.write_sums(folder)
        typer.echo(f"wrote {folder.name}/{path.name}")
