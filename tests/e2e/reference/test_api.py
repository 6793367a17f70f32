"""Reference data over HTTP: any logged-in user reads it; anonymous callers are refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference_data import ensure_reference_data


@pytest.fixture
def ref_client(runtime: Any, client: Any) -> Any:
    ensure_reference_data(runtime)
    return client


@pytest.mark.parametrize("path", ["/api/v1/reference/countries", "/api/v1/reference/hs?q=horses",
                                  "/api/v1/reference/hs/847130"])
def test_reference_api_requires_login(ref_client: Any, path: str) -> None:
    assert ref_client.get(path).status_code == 401


def test_any_logged_in_user_reads_code_tables(ref_client: Any, make_user: Any) -> None:
    user = make_user("enterprise_user", enterprise_id="e-1")
    res = ref_client.get("/api/v1/reference/trade_modes", headers=user.headers)
    assert res.status_code == 200
    assert {"code": "0110", "name_zh": "一般贸易", "name_en": "General trade"} in res.json()
    offices = ref_client.get("/api/v1/reference/customs_offices", headers=user.headers).json()
    assert {"code": "3104", "name_zh": "北仑海关", "name_en": "Beilun Customs", "level": "subordinate",
            "parent_code": "3100"} in offices


def test_unknown_table_is_404_in_both_languages(ref_client: Any, make_user: Any) -> None:
    res = ref_client.get("/api/v1/reference/planets", headers=make_user("inspector").headers)
    assert res.status_code == 404
    assert res.json()["messages"]["en"] == "There is no reference table planets"


def test_hs_detail_and_search(ref_client: Any, make_user: Any) -> None:
    headers = make_user("inspector").headers
    detail = ref_client.get("/api/v1/reference/hs/847130", headers=headers).json()
    assert detail["code"] == "847130" and [c["code"] for c in detail["chain"]] == ["84", "8471"]
    assert ref_client.get("/api/v1/reference/hs/123456", headers=headers).status_code == 404
    chapters = ref_client.get("/api/v1/reference/hs", headers=headers).json()
    assert len(chapters) == 97
    found = ref_client.get("/api/v1/reference/hs", params={"q": "8471", "limit": 5}, headers=headers).json()
    assert found[0]["code"] == "8471" and len(found) == 5
