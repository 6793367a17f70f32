"""Paperless attachments round trip with their hash; manifests with ISO 6346 containers and duplicates."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.unit.declarations.factories import TRADER, as_json, submission

from .test_authorisation import MANIFEST, PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachment_round_trip_with_hash(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    decl_id = client.post("/api/v1/declarations", json=as_json(submission()), headers=trader.headers).json()["id"]
    url = f"/api/v1/declarations/{decl_id}/attachments"
    res = client.post(url, headers=trader.headers, data={"kind": "invoice"},
                      files={"file": ("发票 01.pdf", PDF, "application/octet-stream")})
    assert res.status_code == 201, res.text
    meta = res.json()
    assert meta["sha256"] == hashlib.sha256(PDF).hexdigest() and meta["content_type"] == "application/pdf"
    assert meta["size"] == len(PDF) and runtime.blobs.exists(meta["sha256"])
    client.post(url, headers=trader.headers, data={"kind": "packing_list"}, files={"file": ("p.png", PNG, "image/png")})
    listed = client.get(url, headers=trader.headers).json()["items"]
    assert sorted(a["kind"] for a in listed) == ["invoice", "packing_list"]
    download = client.get(f"{url}/{meta['id']}", headers=trader.headers)
    assert download.content == PDF and download.headers["x-content-sha256"] == meta["sha256"]
    assert download.headers["content-type"] == "application/pdf"
    trail = client.get(f"/api/v1/declarations/{decl_id}/audit", headers=trader.headers).json()["entries"]
    assert trail[-2]["action"] == "declarations.attachment_added" and trail[-2]["after"]["sha256"] == meta["sha256"]


def test_attachment_checks(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    decl_id = client.post("/api/v1/declarations", json=as_json(submission()), headers=trader.headers).json()["id"]
    url = f"/api/v1/declarations/{decl_id}/attachments"
    res = client.post(url, headers=trader.headers, data={"kind": "selfie"},
                      files={"file": ("x.exe", b"MZ\x90\x00", "application/pdf")})
    assert res.status_code == 422
    assert {e["code"] for e in res.json()["errors"]} == {"declarations.attachment_kind", "declarations.attachment_type"}
    assert client.get(f"{url}/nope", headers=trader.headers).status_code == 404
    assert client.get(url, headers=trader.headers).json()["items"] == []


def test_manifest_filing_containers_duplicates_and_bill_link(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    decl = client.post("/api/v1/declarations", json={**as_json(submission(direction="I")),
                                                      "bill_no": "MSCU123456789"}, headers=trader.headers).json()
    bad = {**MANIFEST, "bills": [{**MANIFEST["bills"][0], "containers": ["CSQU3054384", "XX1"]}]}
    res = client.post("/api/v1/manifests", json=bad, headers=trader.headers)
    assert res.status_code == 422
    assert [(e["field"], e["code"]) for e in res.json()["errors"]] == [
        ("bills.0.containers.0", "code.container.check"), ("bills.0.containers.1", "code.container.format")]
    res = client.post("/api/v1/manifests", json=MANIFEST, headers=trader.headers)
    assert res.status_code == 201 and res.json()["bills"][0]["containers"] == ["CSQU3054383"]
    again = client.post("/api/v1/manifests", json=MANIFEST, headers=trader.headers)
    assert again.status_code == 409 and again.json()["code"] == "declarations.manifest_duplicate"
    same_bill = client.post("/api/v1/manifests", json={**MANIFEST, "number": "MFT-0002"}, headers=trader.headers)
    assert same_bill.status_code == 409 and same_bill.json()["code"] == "declarations.bill_duplicate"
    stages = client.get(f"/api/v1/declarations/{decl['id']}/timeline", headers=trader.headers).json()["stages"]
    assert stages[0]["stage"] == "arrived"
    assert len(client.get("/api/v1/manifests", headers=trader.headers).json()["items"]) == 1
