"""Builders shared by the records and staff tests: a staff member straight in the database and valid
record bodies of every kind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff.models import Staff


def staff(
    session: Session, site: Site, name: str = "张三", *, expires: date | None = None, active: bool = True
) -> Staff:
    expires_on = expires or date.today() + timedelta(days=200)
    row = Staff(site_id=site.id, name=name, position="厨师", phone="", cert_no=f"JK-{site.code}-{name}",
                cert_issued_on=expires_on - timedelta(days=365), cert_expires_on=expires_on, active=active)  # fmt: skip
    session.add(row)
    session.commit()
    return row


def body(kind: str, day: str = "2026-11-30", meal: str | None = None, **data: Any) -> dict[str, Any]:
    """A valid record of ``kind`` (morning checks need ``staff_id``), with ``data`` overriding fields."""
    base: dict[str, dict[str, Any]] = {
        "morning_check": {"entries": [{"staff_id": data.pop("staff_id", 0), "temperature_c": 36.5, "hands_ok": True,
                                       "wounds": False, "symptoms": [], "passed": True}], "checked_by": "李四"},
        "sample_retention": {"dishes": [{"name": "红烧肉", "weight_g": 150}], "stored_at": f"{day}T12:10:00+08:00",
                             "storage_place": "留样冰箱", "kept_by": "王五"},
        "disinfection": {"method": "cabinet", "started_at": f"{day}T13:00:00+08:00",
                         "ended_at": f"{day}T13:30:00+08:00", "operator": "赵六"},
        "accompanied_meal": {"person": "陈校长", "position": "校长"},
        "incoming_goods": {"supplier": "绿源蔬菜", "goods": [{"name": "青菜", "quantity": 20, "unit": "kg"}],
                           "licence_no": "JY123", "licence_expires_on": "2027-06-30", "operator": "赵六"},
        "pesticide_test": {"sample": "青菜", "method": "酶抑制法", "result": "pass", "operator": "赵六"},
    }  # fmt: skip
    out: dict[str, Any] = {"record_date": day, "data": {**base[kind], **data}}
    if meal is None and kind in ("sample_retention", "accompanied_meal", "disinfection"):
        meal = "lunch"
    if meal:
        out["meal"] = meal
    return out
