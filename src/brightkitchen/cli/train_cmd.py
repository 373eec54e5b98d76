"""`brightkitchen train`: train a detector (or, with --task classify, a classifier) on a labelled dataset folder
and write OUT/<name>.onnx, OUT/card.yaml and OUT/MODEL_CARD.md. Needs the optional extra ``train`` (torch)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Literal

import typer

from brightkitchen.training.torch_env import TrainingUnavailable, require_torch

Task = Literal["detect", "classify"]
CLASSIFIER_MODULE = "brightkitchen.training.classifier"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def train(
    dataset: Annotated[
        Path,
        typer.Option(
            "--dataset",
            help="YOLO dataset folder: images/, labels/, data.yaml (flat, split here by source group) or "
            "images/{train,val,test}/ (already split, e.g. the platform's export).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for <name>.onnx, card.yaml and MODEL_CARD.md.")],
    task: Annotated[str, typer.Option("--task", help="detect (boxes) or classify (whole image).")] = "detect",
    labels: Annotated[
        str | None,
        typer.Option(
            "--labels", help="Classes to keep, in order, comma-separated (default: all of data.yaml; detect only)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Model name (default: the dataset folder's name).")] = None,
    version: Annotated[str, typer.Option("--version", help="Model version written to the card.")] = "1",
    epochs: Annotated[int, typer.Option("--epochs", help="Most passes over the training split.")] = 60,
    budget_min: Annotated[
        float, typer.Option("--budget-min", help="Wall-clock cap on training in minutes; stops at whichever first.")
    ] = 25.0,
    input_size: Annotated[
        int, typer.Option("--input-size", help="Square network input in pixels (multiple of 32; detect only).")
    ] = 320,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split, the weights and the augmentation.")] = 0,
    threads: Annotated[int, typer.Option("--threads", help="CPU threads for torch (0: all cores).")] = 0,
    licence: Annotated[
        str | None, typer.Option("--licence", help="Licence of the data (default: from sources.csv, LICENSE, README).")
    ] = None,
    attribution: Annotated[
        str | None, typer.Option("--attribution", help="Attribution of the data (default: from the folder's README).")
    ] = None,
) -> None:
    """Train a model on CPU and write it with its model card."""
    if task not in ("detect", "classify"):
        raise _fail(f"--task must be detect or classify, not {task!r}")
    try:
        require_torch()
    except TrainingUnavailable as exc:
        raise _fail(str(exc)) from exc
    if not dataset.is_dir():
        raise _fail(f"--dataset {dataset} is not a folder")
    if threads < 0:
        raise _fail("--threads must be 0 (all cores) or more")
    model_name = name or dataset.resolve().name
    if task == "classify":
        card = _classify(dataset, out, model_name, epochs, budget_min * 60, seed, threads, licence, attribution)
    else:
        card = _detect(
            dataset, out, labels, model_name, version, epochs, budget_min * 60, input_size, seed, threads, licence,
            attribution,
        )  # fmt: skip
    typer.echo(f"card: {card}")


def _detect(
    dataset: Path,
    out: Path,
    labels: str | None,
    name: str,
    version: str,
    epochs: int,
    budget_s: float,
    input_size: int,
    seed: int,
    threads: int,
    licence: str | None,
    attribution: str | None,
) -> Path:
    from brightkitchen.training.detector import train_detector  # torch is imported only once it is known present
    from brightkitchen.training.export import ExportMismatch

    wanted = [lab.strip() for lab in labels.split(",") if lab.strip()] if labels else None
    try:
        return train_detector(
            dataset, out, labels=wanted, name=name, version=version, epochs=epochs, budget_s=budget_s,
            input_size=input_size, seed=seed, threads=threads, licence=licence, attribution=attribution,
            log=lambda line: typer.echo(line, err=True),
        )  # fmt: skip
    except ExportMismatch as exc:
        raise _fail(str(exc), 1) from exc
    except ValueError as exc:  # DatasetError is one: the folder or an argument is wrong
        raise _fail(str(exc)) from exc


def _classify(
    dataset: Path,
    out: Path,
    name: str,
    epochs: int,
    budget_s: float,
    seed: int,
    threads: int,
    licence: str | None,
    attribution: str | None,
) -> Path:
    try:
        module = importlib.import_module(CLASSIFIER_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != CLASSIFIER_MODULE:
            raise
        raise _fail(f"--task classify is not available in this install ({CLASSIFIER_MODULE} is missing)") from exc
    try:
        card: Path = module.train_classifier(
            dataset,
            out,
            name=name,
            epochs=epochs,
            budget_s=budget_s,
            seed=seed,
            threads=threads,
            licence=licence,
            attribution=attribution,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    return card
