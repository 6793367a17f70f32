"""The declaration entry page: an enterprise declares through a form, bad fields come back next to the field
with nothing stored, and HS hints appear while a goods item is typed (with a warning when the declared code
disagrees with a confident prediction)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.declarations.db import declarations
from smartcustoms.capabilities.declarations.directory import QueriesDirectory
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from tests.enterprise_data import customs_code, register, uscc
from tests.reference_data import ensure_reference_data

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:  # the real reference tables and enterprise registry
    ensure_reference_data(runtime)
    runtime.ports[DIRECTORY] = QueriesDirectory(runtime.clock)
    return runtime.ports[DIRECTORY]


@pytest.fixture
def trader(runtime: Any, make_user: Any) -> Any:
    enterprise_id = register(runtime, uscc=uscc(951), customs_code=customs_code(951), registered_on=date(2020, 1, 1))
    return make_user("enterprise_user", enterprise_id=enterprise_id)


def form(**overrides: str) -> dict[str, str]:
    data = {"number": "310420261000000777", "direction": "I", "customs_code": "3104", "port_code": "3104",
            "trader": customs_code(951), "trade_mode": "0110", "transport_mode": "2",
            "transport_name": "COSCO ARIES/045W", "trade_country": "DEU", "departure_country": "DEU",
            "destination_country": "CHN", "terms": "1", "currency": "USD", "gross_weight": "120",
            "net_weight": "100", "packages": "4",
            "items-0-name": "开关电源", "items-0-spec": "24V 100W", "items-0-hs_code": "8504401400",
            "items-0-quantity": "100", "items-0-unit": "007", "items-0-legal_quantity": "100",
            "items-0-legal_unit": "007", "items-0-unit_price": "12.5", "items-0-total": "1250",
            "items-0-origin_country": "DEU", "items-0-destination_country": "CHN"}
    data.update(overrides)
    return data


def count(runtime: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(declarations)).scalar_one())


def test_the_form_opens_with_the_users_own_enterprise_as_trader(client: Any, trader: Any) -> None:
    res = client.get("/declarations/new", headers=trader.headers)
    assert res.status_code == 200
    assert f'value="{customs_code(951)}"' in res.text and 'name="items-0-hs_code"' in res.text


def test_a_valid_form_declares_and_opens_the_declaration(client: Any, trader: Any, runtime: Any) -> None:
    res = client.post("/declarations/new", data=form(), headers=trader.headers, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/declarations/")
    detail = client.get(res.headers["location"], headers=trader.headers)
    assert "310420261000000777" in detail.text and count(runtime) == 1


def test_bad_fields_come_back_beside_the_field_and_nothing_is_stored(client: Any, trader: Any, runtime: Any) -> None:
    res = client.post("/declarations/new", headers={**trader.headers, "Accept-Language": "en"},
                      data=form(**{"items-0-hs_code": "7700001000", "items-0-total": "999", "gross_weight": "x"}))
    assert res.status_code == 422
    assert 'data-testid="error-gross_weight"' in res.text
    res = client.post("/declarations/new", headers=trader.headers,
                      data=form(**{"items-0-hs_code": "7700001000", "items-0-total": "999"}))
    assert res.status_code == 422
    assert 'data-testid="error-items.0.hs_code"' in res.text and 'data-testid="error-items.0.total"' in res.text
    assert count(runtime) == 0


def test_a_duplicate_number_is_refused_on_the_form(client: Any, trader: Any, runtime: Any) -> None:
    client.post("/declarations/new", data=form(), headers=trader.headers)
    res = client.post("/declarations/new", data=form(), headers=trader.headers)
    assert res.status_code == 409 and 'data-testid="error-number"' in res.text
    assert count(runtime) == 1


def test_officers_do_not_declare(client: Any, make_user: Any) -> None:
    officer = make_user("inspector", org_unit="3104")
    assert client.get("/declarations/new", headers=officer.headers).status_code == 403


def test_hs_hints_while_typing_and_a_disagreement_warning(client: Any, trader: Any, runtime: Any) -> None:
    from smartcustoms.capabilities.classification.services import install_model
    from tests.unit.classification.support import small_model

    install_model(runtime, small_model(), {"metrics": {}}, persist=False)
    res = client.post("/declarations/new/hs-hints/0", headers=trader.headers,
                      data={"items-0-name": "laptop computer", "items-0-spec": "14 inch notebook"})
    assert res.status_code == 200 and 'data-testid="hs-suggestion-0"' in res.text
    top = res.text.split('data-code="')[1][:6]
    assert top.startswith("84")
    res = client.post("/declarations/new/hs-hints/0", headers=trader.headers,
                      data={"items-0-name": "laptop computer", "items-0-spec": "14 inch notebook",
                            "items-0-hs_code": "0101210000"})
    assert 'data-testid="hs-disagreement-0"' in res.text


def test_the_detail_page_warns_about_a_disagreeing_code(client: Any, trader: Any, runtime: Any,
                                                         make_user: Any) -> None:
    from smartcustoms.capabilities.classification.services import install_model
    from tests.unit.classification.support import small_model

    install_model(runtime, small_model(), {"metrics": {}}, persist=False)
    res = client.post("/declarations/new", headers=trader.headers, follow_redirects=False, data=form(**{
        "items-0-name": "laptop computer", "items-0-spec": "14 inch notebook", "items-0-hs_code": "8504401400"}))
    location = res.headers["location"]
    check = client.get(f"{location}/hs-check", headers=trader.headers)
    assert 'data-testid="hs-check-warning"' in check.text and "8504401400" in check.text
    stranger = make_user("enterprise_user", enterprise_id=register(runtime, uscc=uscc(952),
                                                                   customs_code=customs_code(952)))
    assert client.get(f"{location}/hs-check", headers=stranger.headers).status_code == 404
