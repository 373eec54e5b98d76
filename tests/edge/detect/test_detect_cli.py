"""`brightkitchen detect` and `brightkitchen models` through the real Typer app."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from brightkitchen.cli import app
from brightkitchen.edge import bundled_models, models_pack
from tests.edge.detect.conftest import LabelledPhoto
from tests.edge.detect.helpers import V8_ROWS, write_yolo_onnx

runner = CliRunner()


def lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_detect_json_lines_with_an_unreadable_image_in_the_middle(
    tmp_path: Path, models_dir: Path, labelled_photo: LabelledPhoto
) -> None:
    photo = labelled_photo[0]
    broken = tmp_path / "broken.jpg"
    broken.write_text("this is not a JPEG")
    result = runner.invoke(
        app,
        [
            "detect",
            str(photo),
            str(broken),
            str(tmp_path / "missing.png"),
            str(photo),
            "--json",
            "--models",
            str(models_dir),
        ],
    )
    assert result.exit_code == 1  # some images failed, reported at the end
    out = lines(result.stdout)
    assert [o["image"] for o in out] == [str(photo), str(broken), str(tmp_path / "missing.png"), str(photo)]
    assert set(out[1]) == {"image", "error"} and set(out[2]) == {"image", "error"}
    good = out[0]
    assert set(good) == {"image", "width", "height", "detections", "violations"}  # stable shape, no fallback
    assert (good["width"], good["height"]) == (128, 128)
    assert isinstance(good["detections"], list) and good["detections"]
    for det in good["detections"]:
        assert set(det) == {"label", "score", "box"}
        assert det["label"] in {"person", "face", "face_mask", "face_no_mask", "cell_phone"}
        x1, y1, x2, y2 = det["box"]
        assert 0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128 and 0 < det["score"] <= 1
    labels = {d["label"] for d in good["detections"]}
    assert {"person", "face_no_mask"} <= labels
    assert good["violations"] == ["no_mask"]
    assert out[3] == good  # the same image gives the same line: nothing leaks between images


def test_detect_with_a_model_card(tmp_path: Path, models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    write_yolo_onnx(tmp_path / "hats.onnx", V8_ROWS.T[None].copy())
    card = tmp_path / "hats.yaml"
    card.write_text(
        yaml.safe_dump(
            {
                "name": "hats",
                "file": "hats.onnx",
                "input_size": 64,
                "labels": ["chef_hat", "no_chef_hat"],
                "violations": {"no_chef_hat": "no_chef_hat"},
            }
        )
    )
    result = runner.invoke(
        app, ["detect", str(labelled_photo[0]), "--models", str(models_dir), "--model-card", str(card)]
    )
    assert result.exit_code == 0, result.output
    (line,) = lines(result.stdout)
    assert {"chef_hat", "no_chef_hat"} <= {d["label"] for d in line["detections"]}
    assert line["violations"] == ["no_mask", "no_chef_hat"]  # stable enum order


def test_detect_bad_model_card_is_a_clear_error(
    tmp_path: Path, models_dir: Path, labelled_photo: LabelledPhoto
) -> None:
    card = tmp_path / "bad.yaml"
    card.write_text("name: x\nfile: x.onnx\ninput_size: 64\nlabels: [a]\nviolations: {a: not_a_code}\n")
    result = runner.invoke(
        app, ["detect", str(labelled_photo[0]), "--models", str(models_dir), "--model-card", str(card)]
    )
    assert result.exit_code == 2 and "cannot load the detectors" in result.stderr


def test_detect_without_a_model_pack_announces_the_fallback(
    tmp_path: Path, labelled_photo: LabelledPhoto, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(app, ["detect", str(labelled_photo[0]), "--models", str(tmp_path / "empty")])
    assert result.exit_code == 0
    (line,) = lines(result.stdout)
    assert line["fallback"] == "haar"
    assert {d["label"] for d in line["detections"]} <= {"face"}
    assert any("no model pack installed" in r.getMessage() for r in caplog.records)


def test_models_install_verify_list(tmp_path: Path, models_dir: Path) -> None:
    target = tmp_path / "pack"
    installed = runner.invoke(app, ["models", "install", "--from", str(models_dir), "--dir", str(target)])
    assert installed.exit_code == 0, installed.output
    # the upstream pack and the models this project trained itself (edge/bundled), each installed once
    expected = len(models_pack.load_manifest().files) + len(bundled_models.load().entries)
    assert len(bundled_models.load().entries) >= 3  # at least the fire/smoke model: card, model, model card
    assert installed.stdout.count("installed") == expected
    assert runner.invoke(app, ["models", "verify", "--dir", str(target)]).exit_code == 0
    (target / "yunet" / "yunet_s_640_640.onnx").write_bytes(b"\0" * 10)
    broken = runner.invoke(app, ["models", "verify", "--dir", str(target)])
    assert broken.exit_code == 1 and "mismatch  yunet/yunet_s_640_640.onnx" in broken.stdout
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == expected
    assert str(tmp_path) not in installed.stdout + broken.stdout  # no local absolute paths printed


def test_models_install_uses_the_environment_default(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIGHTKITCHEN_MODELS", str(tmp_path / "env-pack"))
    assert runner.invoke(app, ["models", "install", "--from", str(models_dir)]).exit_code == 0
    assert (tmp_path / "env-pack" / "yunet" / "yunet_s_640_640.onnx").is_file()


def test_text_output(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    result = runner.invoke(app, ["detect", "--text", str(labelled_photo[0]), "--models", str(models_dir)])
    assert result.exit_code == 0 and "violations: no_mask" in result.stdout
    assert np.char.count(result.stdout, "\n") == 1
