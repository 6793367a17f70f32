"""The imaging API over HTTP: registry, multipart ingestion (201 new / 200 duplicate / 422 with zh-CN + en field
errors), the pseudo-colour PNG, the queue and decisions — and who may do what, endpoint by endpoint."""

from __future__ import annotations

from typing import Any

from smartcustoms.capabilities.imaging.simulator import container_number
from tests.integration.imaging.helpers import PX, pair
from tests.integration.imaging.test_ingest_and_review import _enterprise


def _upload(client: Any, headers: dict[str, str], scan_id: str, *, seed: int = 1, number: str | None = None,
            high: bytes | None = None) -> Any:
    h, lo = pair(seed)
    data = {"device_id": "H986-1", "device_scan_id": scan_id, "size": "40", "px_mm": str(PX),
            "container_number": number or container_number("MSK", 500000 + seed),
            "scanned_at": "2026-11-02T01:00:00+00:00"}
    return client.post("/api/v1/imaging/scans", data=data, headers=headers,
                       files={"high": ("h.png", high or h, "image/png"), "low": ("l.png", lo, "image/png")})


def test_who_may_do_what(client: Any, make_user: Any, runtime: Any) -> None:
    admin = make_user("admin", org_unit="0000")
    operator = make_user("inspector", org_unit="3104")
    reviewer = make_user("image_reviewer", org_unit="3100")
    far_reviewer = make_user("image_reviewer", org_unit="2200")
    chief = make_user("section_chief", org_unit="3104")
    auditor = make_user("auditor", org_unit="0000")
    ent_id = _enterprise(runtime, "advanced_certified")
    ent = make_user("enterprise_user", enterprise_id=ent_id)
    other_ent = make_user("enterprise_user", enterprise_id=_enterprise(runtime, "general_certified",
                                                                      code="3104960003"))

    site = {"id": "NB-BL", "name_zh": "北仑", "name_en": "Beilun", "terminal": "NBCT", "customs_code": "3104"}
    assert client.post("/api/v1/imaging/sites", json=site, headers=reviewer.headers).status_code == 403
    assert client.post("/api/v1/imaging/sites", json=site, headers=admin.headers).status_code == 201
    device = {"id": "H986-1", "site_id": "NB-BL", "model": "H986"}
    assert client.post("/api/v1/imaging/devices", json=device, headers=ent.headers).status_code == 403
    assert client.post("/api/v1/imaging/devices", json=device, headers=admin.headers).status_code == 201
    assert client.get("/api/v1/imaging/devices", headers=auditor.headers).json()[0]["id"] == "H986-1"
    assert client.get("/api/v1/imaging/sites", headers=ent.headers).status_code == 403

    # ingestion: operators only; duplicate → 200 same scan; bad input → 422 in both languages
    assert _upload(client, reviewer.headers, "A1").status_code == 403
    r = _upload(client, operator.headers, "A1")
    assert r.status_code == 201, r.text
    scan_id = r.json()["id"]
    again = _upload(client, operator.headers, "A1")
    assert again.status_code == 200 and again.json()["id"] == scan_id
    bad = _upload(client, operator.headers, "A2", number="ABCD1234567", high=b"\x89PNG\r\n\x1a\nbroken")
    assert bad.status_code == 422
    errs = {e["field"]: e for e in bad.json()["errors"]}
    assert set(errs) == {"container_number", "high"}
    assert "ISO 6346" in errs["container_number"]["messages"]["en"]
    assert errs["container_number"]["messages"]["zh-CN"].startswith("集装箱号")

    # reading: officers in scope; enterprises and out-of-scope officers get 404
    assert client.get(f"/api/v1/imaging/scans/{scan_id}", headers=auditor.headers).status_code == 200
    assert client.get(f"/api/v1/imaging/scans/{scan_id}", headers=ent.headers).status_code == 404
    assert client.get(f"/api/v1/imaging/scans/{scan_id}", headers=far_reviewer.headers).status_code == 404
    png = client.get(f"/api/v1/imaging/scans/{scan_id}/image.png?contrast=1.5", headers=reviewer.headers)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/api/v1/imaging/scans/{scan_id}/image.png", headers=ent.headers).status_code == 404
    assert client.get("/api/v1/imaging/queue", headers=ent.headers).status_code == 403
    assert [q["id"] for q in client.get("/api/v1/imaging/queue", headers=auditor.headers).json()] == [scan_id]
    assert client.get("/api/v1/imaging/notices/missing", headers=ent.headers).status_code == 403

    # deciding: image reviewers and section chiefs
    assert client.post("/api/v1/imaging/queue/next", headers=auditor.headers).status_code == 403
    assert client.post("/api/v1/imaging/queue/next", headers=ent.headers).status_code == 403
    assert client.post("/api/v1/imaging/queue/next", headers=reviewer.headers).json() == {"scan_id": scan_id}
    decision = {"decision": "suspect", "regions": [{"x": 5, "y": 5, "w": 10, "h": 8, "label": "drug"}]}
    assert client.post(f"/api/v1/imaging/scans/{scan_id}/decision", json=decision,
                       headers=ent.headers).status_code == 404
    assert client.post(f"/api/v1/imaging/scans/{scan_id}/decision", json=decision,
                       headers=auditor.headers).status_code == 403
    r = client.post(f"/api/v1/imaging/scans/{scan_id}/decision", json=decision, headers=reviewer.headers)
    assert r.status_code == 200 and r.json()["decision"] == "suspect"
    assert client.post(f"/api/v1/imaging/scans/{scan_id}/decision", json={"decision": "pass"},
                       headers=chief.headers).status_code == 409
    # the manual inspection's outcome: inspectors and section chiefs
    assert client.post(f"/api/v1/imaging/scans/{scan_id}/outcome", json={"result": "conform"},
                       headers=reviewer.headers).status_code == 403
    assert client.post(f"/api/v1/imaging/scans/{scan_id}/outcome", json={"result": "conform"},
                       headers=operator.headers).status_code == 204

    # product filings: an enterprise files and sees its own; officers read; others get 404
    h, lo = pair(9)
    files = {"high": ("h.png", h, "image/png"), "low": ("l.png", lo, "image/png")}
    form = {"name": "棉质T恤", "hs_code": "6109100021", "description": "cotton", "px_mm": str(PX)}
    assert client.post("/api/v1/imaging/filings", data=form, files=files, headers=reviewer.headers).status_code == 403
    r = client.post("/api/v1/imaging/filings", data=form, files=files, headers=ent.headers)
    assert r.status_code == 201, r.text
    filing = r.json()["id"]
    assert [f["id"] for f in client.get("/api/v1/imaging/filings", headers=ent.headers).json()] == [filing]
    assert client.get("/api/v1/imaging/filings", headers=other_ent.headers).json() == []
    assert client.get(f"/api/v1/imaging/filings/{filing}", headers=other_ent.headers).status_code == 404
    assert client.get(f"/api/v1/imaging/filings/{filing}", headers=reviewer.headers).status_code == 200
    forged = {**form, "enterprise_id": ent_id}
    assert client.post("/api/v1/imaging/filings", data=forged, files=files,
                       headers=other_ent.headers).status_code == 403
