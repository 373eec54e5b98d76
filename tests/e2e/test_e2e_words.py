"""Words for people: what the UI says is Chinese in zh-CN mode, whatever the server answered in English; one
press of Enter signs in once."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories as f
from tests import support
from tests.e2e.conftest import DESKTOP, PHONE, fill, login, settle, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

ENGLISH_WORD = re.compile(r"[a-z]{3,}")


def count_logins(page: Any, logins: list[str]) -> None:
    page.on("request", lambda r: logins.append(r.url) if r.method == "POST" and r.url.endswith("/auth/login") else None)


def test_enter_on_the_login_form_signs_in_once(world: f.World, open_page: Callable[..., Any]) -> None:
    page = open_page(DESKTOP)
    logins: list[str] = []
    count_logins(page, logins)
    page.goto("/login")
    fill(page, "login-username", "sa_a1")
    fill(page, "login-password", f.PASSWORD)
    page.locator('input[data-test="login-password"]').press("Enter")
    page.wait_for_url(re.compile(r"/today$"))
    settle(page)
    assert len(logins) == 1, logins

    # A wrong password, by Enter from the username field: one request and a Chinese sentence.
    other = open_page(PHONE)
    count_logins(other, logins)
    other.goto("/login")
    fill(other, "login-username", "sa_a1")
    fill(other, "login-password", "not the password")
    other.locator('input[data-test="login-username"]').press("Enter")
    expect(other.get_by_test_id("login-error")).to_have_text("用户名或密码错误")
    assert len(logins) == 2, logins
    shot(other, "login-wrong-password-phone")


def test_a_wrong_photo_is_refused_in_chinese_before_and_after_sending(
    world: f.World, session: Session, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    alert = f.alert(session, world.site_a1, world.cameras["A1"], state="rectifying")
    page = open_page(PHONE)
    login(page, "sa_a1")
    page.goto(f"/alerts/{alert.id}")
    page.get_by_test_id("act-rectify").click()

    # In the browser: a video and a text file are not photos; nothing is added, the reason is said in Chinese.
    clip, notes = tmp_path / "clip.mp4", tmp_path / "说明.txt"
    clip.write_bytes(support.mp4_bytes())
    notes.write_text("不是照片", encoding="utf-8")
    page.get_by_test_id("rectify-photo").set_input_files([str(clip), str(notes)])
    refused = page.get_by_test_id("rectify-photo-refused")
    expect(refused).to_contain_text("“clip.mp4”不是 JPG 或 PNG 照片，请重新选择")
    expect(refused).to_contain_text("“说明.txt”不是 JPG 或 PNG 照片")
    expect(page.get_by_test_id("rectify-photo-thumb")).to_have_count(0)
    dialog_text = page.get_by_test_id("rectify-dialog").inner_text()
    assert "Choose File" not in dialog_text and "No file chosen" not in dialog_text
    shot(page, "rectify-wrong-type-phone")

    # A file named .jpg whose content is not a picture passes the browser, and the server's English refusal
    # reaches the reader as Chinese words only.
    fake = tmp_path / "假照片.jpg"
    fake.write_bytes(b"GIF89a this is not a JPEG or PNG")
    page.get_by_test_id("rectify-photo").set_input_files(str(fake))
    expect(page.get_by_test_id("rectify-photo-thumb")).to_have_count(1)
    fill(page, "rectify-note", "已整改")
    page.get_by_test_id("rectify-submit").click()
    message = page.locator(".el-message")
    expect(message).to_have_text("文件格式不支持，请选择 JPG 或 PNG 照片")
    assert not ENGLISH_WORD.search(message.inner_text())
    shot(page, "rectify-server-refusal-phone")

    # The photo is removed with its button and a real one sent instead.
    page.get_by_test_id("rectify-photo-remove").click()
    expect(page.get_by_test_id("rectify-photo-thumb")).to_have_count(0)
    good = tmp_path / "好照片.jpg"
    good.write_bytes(support.jpeg_bytes(640, 480))
    page.get_by_test_id("rectify-photo").set_input_files(str(good))
    page.get_by_test_id("rectify-submit").click()
    expect(page.get_by_test_id("rectification")).to_have_count(1)
    expect(page.get_by_test_id("alert-actions").locator("xpath=..").get_by_test_id("state")).to_have_text("待审核")


def test_in_english_mode_the_help_and_the_states_are_english(
    world: f.World, session: Session, open_page: Callable[..., Any]
) -> None:
    alert = f.alert(session, world.site_a1, world.cameras["A1"], state="pushed")
    page = open_page(DESKTOP)
    login(page, "sa_a1")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id(f"alert-link-{alert.id}")).to_be_visible()
    expect(page.get_by_test_id("alert-table")).to_contain_text("To rectify")
    page.get_by_test_id("nav-help").click()
    guide = page.get_by_test_id("help-guide")
    expect(guide).to_contain_text("Quick start: school side")
    expect(guide).to_contain_text("Rectify several at once")
    assert not re.search(r"[\u4e00-\u9fff]{4,}", guide.inner_text()), "no Chinese sentence in the English guide"
    shot(page, "help-school-en-desktop")
