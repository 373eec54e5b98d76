"""The in-app quick-start guides: per role, zh-CN and en, for signed-in people only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.help.service import Guide, Lang, read
from tests import factories as f


@pytest.mark.parametrize("guide", list(Guide))
@pytest.mark.parametrize("lang", list(Lang))
def test_every_guide_exists_and_has_a_title(guide: Guide, lang: Lang) -> None:
    text = read(guide, lang)
    assert text.startswith("# ") and len(text) > 400


def test_help_api(client: TestClient, session: Session) -> None:
    f.world(session)
    h = f.login(client, "sa_a1")
    zh = client.get("/api/v1/help/school", headers=h)
    assert zh.status_code == 200
    doc = zh.json()
    assert doc["lang"] == "zh-CN" and doc["title"] == "学校端快速上手"
    assert "拍照整改" in doc["markdown"] and "标记误报" in doc["markdown"]
    en = client.get("/api/v1/help/school_admin", headers=h, params={"lang": "en"}).json()
    assert en["role"] == "school" and en["title"] == "Quick start: school side"
    assert "false positive" in en["markdown"]
    assert "红黑榜" in client.get("/api/v1/help/regulator", headers=h).json()["markdown"]
    assert "Send a test alert" in client.get("/api/v1/help/installer?lang=en", headers=h).json()["markdown"]
    assert client.get("/api/v1/help/../../settings", headers=h).status_code == 404
    assert client.get("/api/v1/help/nobody", headers=h).status_code == 404
    assert client.get("/api/v1/help/school?lang=fr", headers=h).status_code == 422
    assert client.get("/api/v1/help/school").status_code == 401
    index = client.get("/api/v1/help", headers=h).json()
    assert index["guides"] == ["school", "regulator", "installer"] and index["langs"] == ["zh-CN", "en"]
