"""Creates (or finds) the simulated district on the platform through the people's API, as an admin would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

API = "/api/v1"


@dataclass(frozen=True)
class SimSite:
    site_id: int
    device_id: int
    code: str
    device_key: str
    camera_keys: tuple[str, ...]


class ProvisionError(RuntimeError):
    pass


def _check(resp: httpx.Response, *ok: int) -> Any:
    if resp.status_code not in ok:
        raise ProvisionError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {resp.text[:300]}")
    return resp.json() if resp.content else None


def login(client: httpx.Client, username: str, password: str) -> None:
    body = _check(client.post(f"{API}/auth/login", json={"username": username, "password": password}), 200)
    client.headers["Authorization"] = f"Bearer {body['access_token']}"


def _region(client: httpx.Client, code: str, name: str, kind: str, parent_id: int | None) -> int:
    found = _check(client.get(f"{API}/regions", params={"kind": kind, "size": 500}), 200)
    for item in found["items"]:
        if item["code"] == code:
            return int(item["id"])
    body = {"code": code, "name": name, "kind": kind, "parent_id": parent_id}
    return int(_check(client.post(f"{API}/regions", json=body), 201)["id"])


def _site(client: httpx.Client, code: str, street_id: int, index: int) -> int:
    found = _check(client.get(f"{API}/sites", params={"q": code, "size": 10}), 200)
    for item in found["items"]:
        if item["code"] == code:
            return int(item["id"])
    kind = ("school", "kindergarten", "meal_supplier")[index % 3]
    body = {"code": code, "name": f"模拟单位 {index:03d}", "kind": kind, "region_id": street_id}
    return int(_check(client.post(f"{API}/sites", json=body), 201)["id"])


def _cameras(client: httpx.Client, site_id: int, count: int) -> tuple[str, ...]:
    existing = _check(client.get(f"{API}/cameras", params={"site_id": site_id, "size": 500}), 200)
    keys = {c["key"] for c in existing["items"]}
    for i in range(count):
        key = f"cam-{i + 1}"
        if key not in keys:
            _check(client.post(f"{API}/sites/{site_id}/cameras", json={"key": key, "name": f"后厨-{i + 1}"}), 201)
    return tuple(f"cam-{i + 1}" for i in range(count))


def _device_key(client: httpx.Client, site_id: int) -> tuple[int, str]:
    existing = _check(client.get(f"{API}/devices", params={"site_id": site_id}), 200)
    if existing["items"]:
        device_id = int(existing["items"][0]["id"])
        return device_id, str(_check(client.post(f"{API}/devices/{device_id}/key"), 200)["device_key"])
    body = _check(client.post(f"{API}/sites/{site_id}/devices", json={"name": "sim-edge"}), 201)
    return int(body["id"]), str(body["device_key"])


def provision(client: httpx.Client, sites: int, cameras_per_site: int, streets: int = 10) -> list[SimSite]:
    """Idempotent: re-running finds the same regions, sites and cameras and issues fresh device keys."""
    city = _region(client, "sim-city", "模拟市", "city", None)
    district = _region(client, "sim-district", "模拟区市场监管分局", "district", city)
    street_ids = [
        _region(client, f"sim-street-{s + 1}", f"模拟街道 {s + 1}", "street", district) for s in range(streets)
    ]
    out = []
    for i in range(sites):
        code = f"SIM-{i + 1:03d}"
        site_id = _site(client, code, street_ids[i % streets], i + 1)
        device_id, key = _device_key(client, site_id)
        out.append(SimSite(site_id, device_id, code, key, _cameras(client, site_id, cameras_per_site)))
    return out
