"""Fixtures for the training tests: the real fire/smoke set and small copies of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.training.datasets import flat_copy, split_copy


@pytest.fixture(scope="session")
def fire_smoke_dir(shared_dir: Path) -> Path:
    path = shared_dir / "datasets" / "fire-smoke-train"
    if not (path / "data.yaml").is_file():
        pytest.skip("the dataset ../shared/datasets/fire-smoke-train is not present")
    return path


@pytest.fixture(scope="session")
def tiny_flat(fire_smoke_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flat_copy(fire_smoke_dir, tmp_path_factory.mktemp("flat") / "fire-smoke-tiny")


@pytest.fixture
def tiny_split(fire_smoke_dir: Path, tmp_path: Path) -> Path:
    return split_copy(fire_smoke_dir, tmp_path / "export")


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One thread: tiny models gain nothing from more, and on a shared machine waiting threads cost seconds."""
    try:
        import torch
    except ImportError:  # the tests that need torch say so themselves
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
