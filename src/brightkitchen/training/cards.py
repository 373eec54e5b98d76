"""The model card a training run writes (card.yaml, read by the edge) and its human-readable MODEL_CARD.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from brightkitchen.edge.detect.onnx_yolo import ModelCard
from brightkitchen.protocol.codes import ViolationCode

# labels of public data sets that mean a known violation; a label spelled as a code means that code
LABEL_ALIASES: dict[str, ViolationCode] = {
    "fire": ViolationCode.fire_smoke,
    "flame": ViolationCode.fire_smoke,
    "smoke": ViolationCode.fire_smoke,
    "no-mask": ViolationCode.no_mask,
    "without_mask": ViolationCode.no_mask,
    "rat": ViolationCode.rodent,
    "mouse": ViolationCode.rodent,
}


def default_violations(labels: Sequence[str]) -> dict[str, ViolationCode]:
    """Which labels raise which violation: a label named like a code, or a known alias (fire, smoke: fire_smoke)."""
    codes = {code.value: code for code in ViolationCode if code is not ViolationCode.camera_fault}
    found: dict[str, ViolationCode] = {}
    for label in labels:
        code = codes.get(label) or LABEL_ALIASES.get(label.lower())
        if code is not None:
            found[label] = code
    return found


def write_card(card: ModelCard, path: Path) -> None:
    data = card.model_dump(mode="json")
    data["input_size"] = list(card.input_size)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return lines


def _box_rows(metrics: Mapping[str, Any], labels: Sequence[str]) -> list[list[Any]]:
    rows = []
    for label in labels:
        row: list[Any] = [label]
        for key in ("boxes_iou50", "boxes_iou30"):
            m = metrics.get(key, {}).get(label, {})
            row += [m.get("precision", "-"), m.get("recall", "-"), m.get("ap", "-")]
        row.append(metrics.get("boxes_iou50", {}).get(label, {}).get("boxes", "-"))
        rows.append(row)
    return rows


def model_card_markdown(card: ModelCard) -> str:
    """MODEL_CARD.md: what the model is, what it learnt from (with attribution), how well it does, how to redo it."""
    m, t = card.metrics, card.training
    check = t.get("onnx_check", {})
    out = [f"# {card.name} {card.version}", "", card.description, ""]
    out += ["## Labels", ""]
    out += _table(
        [
            [lab, card.violations.get(lab, "—"), card.label_thresholds.get(lab, card.score_threshold)]
            for lab in card.labels
        ],
        ["label", "violation code", "score threshold"],
    )
    out += ["", f"Thresholds: {m.get('threshold_rule', 'set by hand')}.", ""]
    out += ["## Data", ""]
    for source in card.data:
        title = source.get("source") or source.get("dataset", "")
        out += [f"- **{title}** — licence **{source.get('licence', 'unknown')}**."]
        if source.get("attribution"):
            out += [f"  {source['attribution']}"]
    images = t.get("images", {})
    out += [
        "",
        f"Images per split (split by source group, seed {t.get('seed', '-')}): "
        + ", ".join(f"{k} {v}" for k, v in images.items())
        + ".",
        "",
    ]
    if m:
        out += [f"## Measured on the test split ({m.get('images', '-')} images)", ""]
        out += _table(
            _box_rows(m, card.labels),
            ["label", "P @IoU0.5", "R @IoU0.5", "AP @IoU0.5", "P @IoU0.3", "R @IoU0.3", "AP @IoU0.3", "boxes"],
        )
        out += [
            "",
            "Box precision / recall at the card's thresholds. Both IoU 0.5 and 0.3 are given: smoke has no sharp "
            "edge, so its boxes are fuzzy and a looser match says more about whether it was found.",
            "",
        ]
        rows = [
            [k, v.get("precision"), v.get("recall"), v.get("positive_images"), v.get("images")]
            for k, v in m.get("images_any", {}).items()
        ]
        out += _table(rows, ["image shows", "precision", "recall", "positive images", "images"])
        speed = m.get("ms_per_frame", {})
        out += [
            "",
            f"Speed: {speed.get('median', '-')} ms per frame (median; p90 {speed.get('p90', '-')} ms), onnxruntime on "
            f"{speed.get('threads', 1)} CPU thread, {speed.get('includes', '')}.",
            "",
        ]
    out += ["## Training", ""]
    out += [
        f"- method: {t.get('method', '-')}",
        f"- epochs: {t.get('epochs_run', '-')} run of {t.get('epochs', '-')} asked (best {t.get('best_epoch', '-')}), "
        f"stopped by {t.get('stopped_by', '-')}; budget {t.get('budget_min', '-')} min",
        f"- seconds: {t.get('seconds', '-')} training, {t.get('total_seconds', '-')} in all, "
        f"torch threads: {t.get('threads', '-')}; torch {t.get('torch', '-')}",
        f"- parameters: {t.get('parameters', '-')}; ONNX opset {t.get('opset', '-')}, output checked against torch: "
        f"boxes within {check.get('box_px', '-')} px, scores within {check.get('score', '-')}",
        "",
        "Reproduce (from the repository root):",
        "",
        "```",
        str(t.get("command", "")),
        "```",
        "",
        "With the epoch count reached before the time budget, the same command gives the same model (with more than "
        "one thread, up to the order of floating-point sums).",
        "",
        "## Limits",
        "",
        "- The test split is held out by source photo and video, but comes from the same collection as the training "
        "data: expect lower figures on other cameras, and check on the site's own frames before relying on it.",
        "- Trained from scratch on a small set; the score thresholds suit the validation split, not every scene.",
        "- The model marks boxes in single frames; the edge's rules decide when boxes become an alert.",
        "",
    ]
    return "\n".join(out)
