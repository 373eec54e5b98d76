from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from brightkitchen.platform.deps import UserDep
from brightkitchen.platform.help.service import ALIASES, Guide, Lang, read, resolve, title_of
from brightkitchen.platform.problems import not_found

router = APIRouter(prefix="/help", tags=["help"])


class GuidePublic(BaseModel):
    role: str
    lang: str
    title: str
    markdown: str


class GuideIndex(BaseModel):
    guides: list[str]
    langs: list[str]
    aliases: dict[str, str]


@router.get("", response_model=GuideIndex, summary="Which quick-start guides exist")
def list_guides(principal: UserDep) -> GuideIndex:
    return GuideIndex(
        guides=[g.value for g in Guide],
        langs=[lang.value for lang in Lang],
        aliases={k: v.value for k, v in ALIASES.items()},
    )


@router.get("/{role}", response_model=GuidePublic, summary="The quick-start guide of a role, as Markdown")
def get_guide(
    role: str, principal: UserDep, lang: Annotated[Lang, Query(description="zh-CN or en")] = Lang.zh_cn
) -> GuidePublic:
    guide = resolve(role)
    if guide is None:
        raise not_found("guide")
    text = read(guide, lang)
    return GuidePublic(role=guide.value, lang=lang.value, title=title_of(text), markdown=text)
