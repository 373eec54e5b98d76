"""An upload is checked the way the edge will load it: the card against the edge's own ``ModelCard`` (the one
place the platform reads an edge module, so the two can never disagree on what a card is), then the model in
onnxruntime, run once on a blank input so its output layout is checked against the card's labels."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import onnxruntime as ort
import yaml
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from brightkitchen.platform.problems import Problem
from brightkitchen.protocol.model_card import ModelCard, resolve_layout
from brightkitchen.protocol.v1 import AssignedModel

MAX_CARD_BYTES = 256 * 1024


def bad_card(detail: str, errors: list[dict[str, Any]] | None = None) -> Problem:
    return Problem(422, "Invalid model card", detail, errors=errors, code="bad_card")


def bad_model(detail: str) -> Problem:
    return Problem(422, "Invalid model file", detail, errors=[{"field": "file", "message": detail}], code="bad_model")


def parse_card(raw: bytes, stored_file: str) -> tuple[ModelCard, dict[str, Any]]:
    """The card (YAML or JSON) with its ``file`` replaced by the stored name, and the document devices receive;
    422 ``bad_card`` otherwise."""
    if len(raw) > MAX_CARD_BYTES:
        raise bad_card(f"the card is over {MAX_CARD_BYTES} bytes")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))  # YAML is a superset of JSON
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise bad_card(f"the card is not readable YAML or JSON: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise bad_card("the card must be a mapping of fields")
    try:
        card = ModelCard.model_validate({**data, "file": stored_file})
    except ValidationError as exc:
        raise bad_card("the card does not describe a model the edge can load", _fields(exc)) from exc
    return card, _document(card)


def _fields(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]


def _document(card: ModelCard) -> dict[str, Any]:
    """The card as plain JSON that the device configuration can carry (YAML dates become text, NaN null). NUL
    characters, lone surrogates, a name or version the wire refuses: refused now, not when a device asks."""
    try:
        doc: dict[str, Any] = json.loads(json.dumps(card.model_dump(mode="json"), allow_nan=False))
    except (ValueError, PydanticSerializationError) as exc:
        raise bad_card(f"the card holds a value JSON cannot carry: {str(exc).splitlines()[0][:200]}") from exc
    try:
        AssignedModel(name=card.name, version=card.version, sha256="0" * 64, size=1, card=doc)
    except ValidationError as exc:
        raise bad_card("the card cannot travel to a device as it is", _fields(exc)) from exc
    return doc


def check_model(data: bytes, card: ModelCard) -> None:
    """Loads the model and runs it once; 422 ``bad_model`` when onnxruntime cannot, or the output does not fit."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types (InvalidProtobuf, Fail, ...) for a bad file
        raise bad_model(f"onnxruntime cannot load the file: {str(exc).splitlines()[0][:300]}") from exc
    inputs = session.get_inputs()
    if len(inputs) != 1 or inputs[0].type != "tensor(float)" or len(inputs[0].shape) != 4:
        raise bad_model("the model must take one float image tensor (1, 3, height, width)")
    width, height = card.input_size
    declared = inputs[0].shape
    for axis, want in ((1, 3), (2, height), (3, width)):
        if isinstance(declared[axis], int) and declared[axis] != want:
            raise bad_model(f"the model's input is {declared}, the card says {width}x{height} RGB")
    try:
        output = session.run(None, {inputs[0].name: np.zeros((1, 3, height, width), np.float32)})[0]
    except Exception as exc:
        raise bad_model(
            f"the model does not run on a {width}x{height} input: {str(exc).splitlines()[0][:300]}"
        ) from exc
    try:
        resolve_layout(tuple(np.shape(output)), len(card.labels), card.layout)
    except ValueError as exc:
        raise bad_model(str(exc)) from exc
