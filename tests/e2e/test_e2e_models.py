"""The model registry in Chromium: an admin uploads a tiny real ONNX model (YOLOv5 layout, built here) with its
card, a wrong card is refused in Chinese, the model is assigned to one site as a canary with its own threshold,
and the roll-out table follows the site's device from pending to active once it reports the version. A
regulator reads the registry without its buttons; another district's regulator does not see the assignment."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from sqlalchemy.orm import Session

from tests import factories as f
from tests import support
from tests.e2e.conftest import login, settle, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
onnx = pytest.importorskip("onnx", reason="the onnx package builds the test model")

LABELS = ["chef_hat", "no_chef_hat"]
SIZE = 32


def tiny_yolo_v5(rows: int = 4) -> bytes:
    """A real ONNX graph: (1, 3, 32, 32) in, (1, rows, 5 + 2) out (YOLOv5 layout); the output is fixed numbers
    that still depend on the input (0 × its mean), so onnxruntime runs the whole graph."""
    from onnx import TensorProto, helper, numpy_helper

    fixed = np.random.default_rng(7).random((1, rows, 5 + len(LABELS))).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
            helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
            helper.make_node("Add", ["fixed", "nothing"], ["output0"]),
        ],
        "tiny_yolo_v5",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(fixed.shape))],
        initializer=[numpy_helper.from_array(fixed, "fixed"), numpy_helper.from_array(np.array(0, np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def card(**over: Any) -> str:
    doc = {
        "name": "hats",
        "version": "v1",
        "layout": "v5",
        "input_size": SIZE,
        "labels": LABELS,
        "violations": {"no_chef_hat": "no_chef_hat"},
        "score_threshold": 0.4,
        "metrics": {"map50": 0.71, "images": 120},
        **over,
    }
    return yaml.safe_dump(doc, allow_unicode=True)


def report_models(base_url: str, device_key: str, versions: dict[str, str]) -> None:
    """What an edge device does every half minute: a heartbeat, here saying which model versions it runs."""
    body = {
        "sent_at": datetime.now(UTC).isoformat(),
        "software_version": "e2e",
        "model_versions": versions,
        "cameras": [],
    }
    resp = httpx.post(
        f"{base_url}/api/v1/device/heartbeats", json=body, headers=support.device_headers(device_key), timeout=30
    )
    assert resp.status_code == 204, resp.text


def test_an_admin_uploads_a_model_assigns_it_as_a_canary_and_sees_the_rollout(
    server: str, world: f.World, session: Session, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    model_file = tmp_path / "hats.onnx"
    model_file.write_bytes(tiny_yolo_v5())
    bad_card = tmp_path / "bad.yaml"
    bad_card.write_text(card(layout="v9"))
    good_card = tmp_path / "hats.yaml"
    good_card.write_text(card())

    page = open_page()
    login(page, "admin")
    page.get_by_test_id("nav-admin").hover()
    page.get_by_test_id("nav-adminModels").click()
    expect(page).to_have_url(re.compile(r"/admin/models$"))
    expect(page.get_by_test_id("models-page")).to_contain_text("模型管理")

    # A card the edge could not load: refused, in Chinese, the dialog kept open.
    page.get_by_test_id("model-upload").click()
    page.locator('input[data-test="model-file"]').set_input_files(str(model_file))
    page.locator('input[data-test="model-card-file"]').set_input_files(str(bad_card))
    expect(page.locator('textarea[data-test="model-card"]')).to_have_value(re.compile("layout: v9"))
    page.get_by_test_id("model-upload-submit").click()
    expect(page.get_by_test_id("model-upload-problem")).to_contain_text("模型说明有误")

    # The right card: the version is listed with its hash, labels → violation types, input size and metrics.
    page.locator('input[data-test="model-card-file"]').set_input_files(str(good_card))
    expect(page.locator('textarea[data-test="model-card"]')).to_have_value(re.compile("layout: v5"))
    page.locator('textarea[data-test="model-notes"]').fill("后厨帽子模型，先在一所学校试用")
    page.get_by_test_id("model-upload-submit").click()
    expect(page.get_by_test_id("model-hats-v1")).to_be_visible()
    api = f.bearer(session, "admin")
    (model,) = httpx.get(f"{server}/api/v1/models", headers=api, timeout=30).json()
    table = page.get_by_test_id("model-table")
    expect(table).to_contain_text(model["sha256"][:12])
    expect(table).to_contain_text("未戴厨师帽")
    expect(table).to_contain_text("32×32")
    table.locator(".el-table__expand-icon").first.click()
    expect(page.get_by_test_id(f"model-detail-{model['id']}")).to_contain_text("map50")
    expect(page.get_by_test_id(f"model-detail-{model['id']}")).to_contain_text("0.710")

    # Assigned to school A1 as a canary, with its own threshold for no_chef_hat.
    page.get_by_test_id(f"model-assign-{model['id']}").click()
    page.get_by_test_id("assign-site").click()
    page.get_by_test_id("assign-site-A1").click()
    expect(page.locator('[data-test="assign-canary"].is-checked')).to_be_visible()
    threshold = page.locator('[data-test="assign-threshold-no_chef_hat"] input')
    threshold.fill("0.55")
    threshold.blur()
    page.get_by_test_id("assign-submit").click()
    assignments = page.get_by_test_id("assignment-table")
    expect(assignments).to_contain_text("学校 A1")
    expect(assignments).to_contain_text("no_chef_hat 0.55")
    (assignment,) = httpx.get(f"{server}/api/v1/model-assignments", headers=api, timeout=30).json()
    assert assignment["scope"] == "site" and assignment["site_id"] == world.site_a1.id
    assert assignment["canary"] is True
    assert assignment["label_thresholds"] == {"no_chef_hat": 0.55}
    expect(page.get_by_test_id(f"assignment-{assignment['id']}-canary")).to_have_text("灰度")

    # The roll-out: A1's device has not reported the model yet...
    device = world.devices["A1"]
    page.get_by_test_id(f"model-rollout-{model['id']}").click()
    dialog = page.get_by_test_id("rollout-dialog")
    expect(dialog).to_contain_text("学校 A1")
    expect(page.get_by_test_id(f"rollout-state-{device.id}")).to_have_text("待更新")
    expect(page.get_by_test_id("rollout-count-pending")).to_contain_text("1")
    shot(page, "models-rollout-pending")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # ...then it reports hats v1 in its heartbeat, and the table says it runs it.
    report_models(server, world.device_keys["A1"], {"hats": "v1"})
    page.get_by_test_id(f"model-rollout-{model['id']}").click()
    expect(page.get_by_test_id(f"rollout-state-{device.id}")).to_have_text("已运行")
    expect(page.get_by_test_id("rollout-count-active")).to_contain_text("1")
    expect(page.get_by_test_id("rollout-count-pending")).to_contain_text("0")
    shot(page, "models-rollout-active")
    page.keyboard.press("Escape")
    shot(page, "models-list")

    # The district's regulator reads the registry and the assignment, without the admin's buttons...
    regulator = open_page()
    login(regulator, "reg_a")
    regulator.goto("/admin/models")
    expect(regulator.get_by_test_id("model-hats-v1")).to_be_visible()
    expect(regulator.get_by_test_id("assignment-table")).to_contain_text("学校 A1")
    settle(regulator)
    assert regulator.get_by_test_id("model-upload").count() == 0
    assert regulator.get_by_test_id(f"model-assign-{model['id']}").count() == 0
    # ...and another district's regulator sees the model but not A1's assignment.
    other = open_page()
    login(other, "reg_b")
    other.goto("/admin/models")
    expect(other.get_by_test_id("model-hats-v1")).to_be_visible()
    expect(other.get_by_test_id("assignment-table")).to_contain_text("还没有分配")
    expect(other.get_by_test_id("assignment-table")).not_to_contain_text("学校 A1")
