"""What a school sees of the complainant, and the receipt codes: from tables."""

from __future__ import annotations

import pytest

from brightkitchen.platform.concerns import masking, receipts


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "861******5678"),
        ("010-87654321", "010****4321"),
        ("1234567", "*****67"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_phone_keeps_the_first_three_and_last_four_digits(phone: str, shown: str) -> None:
    assert masking.mask_phone(phone) == shown


@pytest.mark.parametrize(
    ("name", "shown"), [("张三", "张*"), ("王女士", "王**"), ("王", "*"), ("Alice", "A****"), ("", "")]
)
def test_name_keeps_the_first_character(name: str, shown: str) -> None:
    assert masking.mask_name(name) == shown


def test_numbers_written_into_the_text_are_masked_too() -> None:
    text = "我是家长，电话13812345678，或 010-87654321。2026 年 3 月看到的"
    assert masking.mask_text(text) == "我是家长，电话138****5678，或 010****4321。2026 年 3 月看到的"


def test_codes_are_ten_unambiguous_characters_and_differ() -> None:
    codes = {receipts.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == receipts.LENGTH == 10
        assert not set(code) & set("ILOU")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("7KQ2M9XH4T", "7KQ2M9XH4T"),
        (" 7kq2m-9xh4t ", "7KQ2M9XH4T"),
        ("O1LI0ABCDE", "01110ABCDE"),
        ("7KQ2M9XH4", None),
        ("7KQ2M9XH4TT", None),
        ("7KQ2M9XH4U", None),
        ("7KQ2M9XH4?", None),
    ],
)
def test_a_typed_code_is_read_forgivingly(typed: str, read: str | None) -> None:
    assert receipts.normalise(typed) == read
