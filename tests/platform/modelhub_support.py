"""Helpers for the model registry tests: real tiny YOLO-layout ONNX models, their cards, and API shortcuts."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import yaml
from fastapi.testclient import TestClient

LABELS = ["chef_hat", "no_chef_hat", "smoke"]
VIOLATIONS = {"no_chef_hat": "no_chef_hat", "smoke": "smoking"}


def onnx_model(seed: int = 0, size: int = 32, labels: int = len(LABELS), rows: int = 6) -> bytes:
    """A real ONNX graph, YOLOv5 layout: (1, 3, size, size) in, (1, rows, 5 + labels) out. ``seed`` changes the
    fixed output, so each seed is a different file (and sha256)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    fixed = np.random.default_rng(seed).random((1, rows, 5 + labels)).astype(np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["fixed", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_yolo_v5",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(fixed.shape))],
        initializer=[numpy_helper.from_array(fixed, "fixed"), numpy_helper.from_array(np.array(0, np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def card(name: str = "hats", version: str = "v1", as_json: bool = False, **extra: Any) -> bytes:
    doc: dict[str, Any] = {
        "name": name,
        "version": version,
        "layout": "v5",
        "input_size": 32,
        "labels": LABELS,
        "violations": VIOLATIONS,
        "score_threshold": 0.4,
        **extra,
    }
    return (json.dumps(doc) if as_json else yaml.safe_dump(doc)).encode()


def upload(
    client: TestClient,
    headers: dict[str, str],
    *,
    model: bytes | None = None,
    card_bytes: bytes | None = None,
    notes: str | None = None,
) -> Any:
    files: dict[str, Any] = {
        "file": ("model.onnx", model if model is not None else onnx_model(), "application/octet-stream"),
        "card": ("card.yaml", card_bytes if card_bytes is not None else card(), "application/yaml"),
    }
    data = {"notes": notes} if notes is not None else None
    return client.post("/api/v1/models", headers=headers, files=files, data=data)


def uploaded(client: TestClient, headers: dict[str, str], version: str = "v1", seed: int = 0) -> dict[str, Any]:
    resp = upload(client, headers, model=onnx_model(seed), card_bytes=card(version=version))
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def assign(client: TestClient, headers: dict[str, str], model_id: int, **target: Any) -> Any:
    scope = "site" if "site_id" in target else "region"
    return client.put(
        "/api/v1/model-assignments", headers=headers, json={"model_id": model_id, "scope": scope, **target}
    )
