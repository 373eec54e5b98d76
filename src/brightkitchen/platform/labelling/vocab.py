"""The fixed label vocabulary of each labelling task. The order of a task's labels is its YOLO class index:
change it only on purpose, since every exported dataset depends on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Task(StrEnum):
    fire_smoke = "fire_smoke"
    mask = "mask"
    kitchen = "kitchen"


@dataclass(frozen=True)
class Label:
    label: str
    name_zh: str
    name_en: str
    code: str | None  # the violation code this label stands for, if any


@dataclass(frozen=True)
class Vocabulary:
    task: Task
    name_zh: str
    name_en: str
    labels: tuple[Label, ...]

    @property
    def names(self) -> list[str]:
        """The labels in class-index order (YOLO ``names``)."""
        return [item.label for item in self.labels]

    def index(self, label: str) -> int:
        return self.names.index(label)


VOCABULARIES: dict[Task, Vocabulary] = {
    Task.fire_smoke: Vocabulary(
        Task.fire_smoke,
        "烟火",
        "Fire and smoke",
        (
            Label("fire", "明火", "Fire", "fire_smoke"),
            Label("smoke", "烟雾", "Smoke", "fire_smoke"),
        ),
    ),
    Task.mask: Vocabulary(
        Task.mask,
        "口罩",
        "Face masks",
        (
            Label("face_mask", "戴口罩的脸", "Face with mask", None),
            Label("face_no_mask", "未戴口罩的脸", "Face without mask", "no_mask"),
        ),
    ),
    Task.kitchen: Vocabulary(
        Task.kitchen,
        "后厨行为",
        "Kitchen conduct",
        (
            Label("person", "人员", "Person", None),
            Label("chef_hat", "厨师帽", "Chef hat", None),
            Label("no_chef_hat", "未戴厨师帽", "No chef hat", "no_chef_hat"),
            Label("uniform", "工作服", "Uniform", None),
            Label("no_uniform", "未穿工作服", "No uniform", "no_uniform"),
            Label("cell_phone", "手机", "Cell phone", "phone_use"),
            Label("cigarette", "香烟", "Cigarette", "smoking"),
            Label("rodent", "老鼠", "Rodent", "rodent"),
            Label("bin_open", "垃圾桶未盖", "Open bin", "bin_uncovered"),
        ),
    ),
}

# Detector labels that name a vocabulary label differently (the flame detector says "flame").
ALIASES: dict[str, str] = {"flame": "fire"}

_CODE_TASKS: dict[str, Task] = {
    "no_mask": Task.mask,
    "fire_smoke": Task.fire_smoke,
    "stove_unattended": Task.fire_smoke,
}


def task_of_code(code: str) -> Task:
    """The labelling task an alert's frame belongs to, from its violation code."""
    return _CODE_TASKS.get(code, Task.kitchen)


def vocabulary(task: Task | str) -> Vocabulary:
    return VOCABULARIES[Task(task)]


def map_label(task: Task | str, label: str) -> str | None:
    """A detector's (or a dataset's) label in the task's vocabulary, or None when the task has no such label."""
    name = ALIASES.get(label, label)
    return name if name in vocabulary(task).names else None
