"""`brightkitchen detect IMAGE... --json`: run the detector stack on still images, one JSON line per image.

Line format (stable): {"image", "width", "height", "detections": [{"label", "score", "box": [x1, y1, x2, y2]}],
"violations": [code, ...]}, plus "fallback": "haar" when no model pack is installed, or {"image", "error"}
for an image that cannot be read (the others are still processed; the exit code is 1 at the end).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
import typer
from pydantic import ValidationError

from brightkitchen.edge.detect.frame_violations import frame_violations
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from brightkitchen.edge.models_pack import default_models_dir


def read_image(path: Path) -> np.ndarray | str:
    """The decoded BGR image, or why it cannot be had."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or type(exc).__name__}"
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return "not a decodable image" if image is None else image


def result_line(path: Path, stack: DetectorStack) -> dict[str, Any]:
    image = read_image(path)
    if isinstance(image, str):
        return {"image": str(path), "error": image}
    found = stack.run(image)
    line: dict[str, Any] = {
        "image": str(path),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "detections": [
            {"label": label, "score": round(float(score), 3), "box": [round(float(v), 1) for v in box]}
            for box, score, label in zip(found.xyxy, found.scores, found.labels, strict=True)
        ],
        "violations": [code.value for code in frame_violations(found, stack.label_codes)],
    }
    if stack.fallback:
        line["fallback"] = stack.fallback
    return line


def detect(
    images: Annotated[list[Path], typer.Argument(help="Image files (JPEG, PNG, ...).", show_default=False)],
    as_json: Annotated[
        bool, typer.Option("--json/--text", help="One JSON object per line, or a short summary.")
    ] = True,
    models: Annotated[
        Path | None, typer.Option("--models", help="Models folder (default: the installed model pack).")
    ] = None,
    model_card: Annotated[
        list[Path] | None, typer.Option("--model-card", help="An operator model card (YAML/JSON); repeatable.")
    ] = None,
) -> None:
    try:
        stack = DetectorStack.build(StackConfig(model_cards=model_card or []), models or default_models_dir())
    except (OSError, ValueError, ValidationError) as exc:
        typer.echo(f"error: cannot load the detectors: {exc}", err=True)
        raise typer.Exit(2) from exc
    failed = 0
    for path in images:
        line = result_line(path, stack)
        failed += "error" in line
        if as_json:
            typer.echo(json.dumps(line, ensure_ascii=False))
        elif "error" in line:
            typer.echo(f"{path}: error: {line['error']}")
        else:
            labels = ", ".join(d["label"] for d in line["detections"]) or "nothing"
            typer.echo(f"{path}: {labels}; violations: {', '.join(line['violations']) or 'none'}")
    if failed:
        raise typer.Exit(1)
