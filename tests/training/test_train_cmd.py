"""`brightkitchen train` through the real Typer app: a run on the export layout, and every refusal with exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from brightkitchen.cli import app
from brightkitchen.cli.train_cmd import CLASSIFIER_MODULE
from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector, load_card

runner = CliRunner()


def test_train_on_the_export_layout_writes_model_card_and_model_card_md(tiny_split: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["train", "--dataset", str(tiny_split), "--out", str(out), "--labels", "fire,smoke", "--name", "site-fire",
         "--epochs", "1", "--input-size", "64", "--threads", "1", "--seed", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"card: {out / 'card.yaml'}"
    assert "epoch   1" in result.stderr  # progress goes to stderr
    card, model = load_card(out / "card.yaml")
    assert model == out / "site-fire.onnx" and (out / "MODEL_CARD.md").is_file()
    on_disk = {split: len(list((tiny_split / "images" / split).iterdir())) for split in ("train", "val", "test")}
    assert card.training["images"] == on_disk  # as the export split them
    assert {d["licence"] for d in card.data} == {"proprietary", "CC BY 4.0"}
    OnnxYoloDetector.load(out / "card.yaml")


def test_without_torch_it_says_how_to_install_the_extra(tiny_split: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails as on an install without the extra
    result = runner.invoke(app, ["train", "--dataset", str(tiny_split), "--out", "unused"])
    assert result.exit_code == 2
    assert "pip install -e '.[train]'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "{missing}"], "is not a folder"),
        (["--dataset", "{empty}"], "data.yaml is missing"),
        (["--labels", "fire,flame"], "not found: ['flame']"),
        (["--input-size", "100"], "--input-size must be a multiple of 32"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--budget-min", "0"], "--budget-min must be more than 0"),
        (["--name", "../escape"], "--name '../escape'"),
        (["--task", "segment"], "--task must be detect or classify"),
        (["--threads", "-1"], "--threads must be 0"),
    ],
)
def test_bad_input_exits_2_with_a_clear_error(tiny_split: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    filled = [a.format(missing=tmp_path / "missing", empty=tmp_path / "empty") for a in args]
    base = ["train", "--dataset", str(tiny_split), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, base + filled)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert not (tmp_path / "out" / "card.yaml").exists()


def test_classify_hands_over_to_the_classifier_module(
    tiny_split: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, Path, dict[str, object]]] = []

    def train_classifier(dataset: Path, out: Path, **kwargs: object) -> Path:
        calls.append((dataset, out, kwargs))
        return out / "card.yaml"

    monkeypatch.setitem(sys.modules, CLASSIFIER_MODULE, SimpleNamespace(train_classifier=train_classifier))
    args = ["train", "--task", "classify", "--dataset", str(tiny_split), "--out", str(tmp_path), "--name", "hats"]
    args += ["--epochs", "3", "--budget-min", "0.5", "--seed", "7", "--threads", "1", "--licence", "CC BY 4.0"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = {"name": "hats", "epochs": 3, "budget_s": 30.0, "seed": 7, "threads": 1}
    assert calls == [(tiny_split, tmp_path, expected | {"licence": "CC BY 4.0", "attribution": None})]
    assert result.stdout.strip() == f"card: {tmp_path / 'card.yaml'}"


def test_classify_without_the_classifier_module_is_a_clear_error(
    tiny_split: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, CLASSIFIER_MODULE, None)
    result = runner.invoke(app, ["train", "--task", "classify", "--dataset", str(tiny_split), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--task classify is not available in this install" in result.stderr
