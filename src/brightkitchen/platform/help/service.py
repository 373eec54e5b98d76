"""Finding a guide: the role names people use map onto three guides; Markdown is read from the package."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources


class Guide(StrEnum):
    school = "school"
    regulator = "regulator"
    installer = "installer"


class Lang(StrEnum):
    zh_cn = "zh-CN"
    en = "en"


# The platform's roles lead to the guide for their side; installers use regulator accounts.
ALIASES = {
    "school": Guide.school,
    "school_admin": Guide.school,
    "school_staff": Guide.school,
    "regulator": Guide.regulator,
    "admin": Guide.regulator,
    "installer": Guide.installer,
}


def resolve(role: str) -> Guide | None:
    return ALIASES.get(role)


def read(guide: Guide, lang: Lang) -> str:
    # Names come from the two enums only, never from the request: no path can be smuggled in.
    return (resources.files("brightkitchen.platform.help") / "guides" / f"{guide.value}.{lang.value}.md").read_text(
        encoding="utf-8"
    )


def title_of(markdown: str) -> str:
    first = markdown.lstrip().splitlines()[0] if markdown.strip() else ""
    return first.lstrip("#").strip()
