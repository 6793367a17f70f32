"""Risk officer console (风险布控控制台), pages under /risk: the queue and batches (close now, dice entry, reveal,
the randomness record to download and its verification), the rules editor with a dry run over recent
declarations before activation, the current hit list, model metrics, the duty roster and manifest locks.

Risk officers (and administrators) operate batches and edit rules; section chiefs edit the duty roster and
manifest locks; auditors read and download; enterprise users get 403 on every page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

import smartcustoms.capabilities.declarations.queries as declarations_queries
from smartcustoms.capabilities.risk import batching, db, manifests, rule_services, services
from smartcustoms.capabilities.risk.commands import EnterDice, RevealBatch
from smartcustoms.capabilities.risk.domain.batch import count_draws
from smartcustoms.capabilities.risk.domain.selection import Channel
from smartcustoms.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.http import get_runtime, locale, page_principal, render
from smartcustoms.platform.identity.model import Principal

router = APIRouter(include_in_schema=False)
LOCAL = ZoneInfo("Asia/Shanghai")
CUSTOMS_VIEWERS = batching.VIEWERS


def fmt(value: datetime | None) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _viewer(who: Principal) -> None:
    if not who.is_customs or not who.has(*CUSTOMS_VIEWERS):
        raise PermissionDenied("error.forbidden")


def _author(who: Principal) -> None:
    """Rule editing and dry runs: refused before the form or the rule is looked at."""
    if not who.is_customs or not who.has(*rule_services.AUTHORS):
        raise PermissionDenied("error.forbidden")


def _ctx(who: Principal) -> dict[str, Any]:
    return {"fmt": fmt, "may_operate": who.has(*services.OPERATORS), "may_edit_rules": who.has(*rule_services.AUTHORS),
            "may_lock": who.has(*manifests.LOCKERS), "may_duty": who.has(*batching.DUTY_EDITORS)}


# --- dashboard -------------------------------------------------------------------------------------------------
def model_metrics(runtime: Any) -> dict[str, Any] | None:
    """The newest model artefact's meta and card (data/models/risk/<version>/), if one was trained."""
    root = Path(runtime.settings.data_dir) / "models" / "risk"
    metas = sorted(root.glob("*/meta.json"), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
    if not metas:
        return None
    meta = json.loads(metas[-1].read_text(encoding="utf-8"))
    card = metas[-1].with_name("MODEL_CARD.md")
    return {"version": metas[-1].parent.name, "meta": meta,
            "card": card.read_text(encoding="utf-8") if card.exists() else ""}


def source_counts(runtime: Any, since: datetime) -> list[dict[str, Any]]:
    """Decisions by source (rule / credit / random / model / released) since `since` — the live selection mix."""
    d = db.risk_decisions
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(d.c.source, func.count()).where(d.c.drawn_at >= since).group_by(d.c.source))
        return [{"source": s or "release", "count": int(n)} for s, n in rows]


@router.get("/risk", response_class=HTMLResponse)
def dashboard(request: Request, who: Principal = Depends(page_principal)) -> Response:
    _viewer(who)
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        hits = [h for h in db.recent_hits(conn, 50) if who.covers_customs(h["site"])]
    return render(request, "risk/dashboard.html", queue=batching.access_queue(runtime, who),
                  batches=batching.access_batches(runtime, who, 30) if who.has(*services.READERS) else [],
                  hits=hits, model=model_metrics(runtime),
                  sources=source_counts(runtime, runtime.clock.now() - timedelta(days=7)),
                  locks=manifests.access_locks(runtime, who), **_ctx(who))


@router.post("/risk/sites/{site}/close")
def close_now(site: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    result = batching.do_close_now(get_runtime(request), who, site)
    if result is None:
        return RedirectResponse("/risk", status_code=303)
    return RedirectResponse(f"/risk/batches/{result['batch_id']}", status_code=303)


# --- batches ---------------------------------------------------------------------------------------------------
@router.get("/risk/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        row = services.access_batch(conn, who, batch_id)
        record = services.record_of(conn, row)
        problems = services.verify_batch(conn, batch_id) if row["status"] in ("drawn", "revealed") else None
        decisions = db.load_decisions(conn, batch_id)
    return render(request, "risk/batch.html", batch=row, record=record, problems=problems, decisions=decisions,
                  draws=count_draws(record), simulated=any(str(p.get("party", "")).startswith("SIMULATED")
                                                           for p in (row["entropy"] or {}).get("parties", [])),
                  **_ctx(who))


@router.get("/risk/batches/{batch_id}/record.json")
def record_download(batch_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    """The randomness record as a file (auditors verify it with tools/verify_randomness.py)."""
    record = services.access_record(get_runtime(request), who, batch_id)
    return JSONResponse(json.loads(json.dumps(record, default=str)),
                        headers={"Content-Disposition": f'attachment; filename="{batch_id}.json"'})


@router.post("/risk/batches/{batch_id}/dice")
def dice_form(batch_id: str, request: Request, party_1: str = Form(""), digits_1: str = Form(""),
              party_2: str = Form(""), digits_2: str = Form(""), party_3: str = Form(""), digits_3: str = Form(""),
              who: Principal = Depends(page_principal)) -> Response:
    parties = tuple((p.strip(), d.strip()) for p, d in ((party_1, digits_1), (party_2, digits_2),
                                                         (party_3, digits_3)) if p.strip() or d.strip())
    services.do_enter_entropy(get_runtime(request), who, EnterDice(batch_id, parties))
    return RedirectResponse(f"/risk/batches/{batch_id}", status_code=303)


@router.post("/risk/batches/{batch_id}/reveal")
def reveal_form(batch_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    services.do_reveal(get_runtime(request), who, RevealBatch(batch_id))
    return RedirectResponse(f"/risk/batches/{batch_id}", status_code=303)


# --- rules -------------------------------------------------------------------------------------------------------
def _definition(rule_id: str, condition: str, channel: str, score: str, reason_zh: str, reason_en: str,
                effective_from: str, effective_to: str, lock_manifest: bool) -> dict[str, Any]:
    try:
        when = json.loads(condition)
    except ValueError:
        raise ValidationFailed([FieldError("condition", "risk.rule.bad_condition")]) from None
    definition: dict[str, Any] = {"id": rule_id.strip(), "when": when, "channel": channel, "score": score or "0",
                                  "reason": {"zh-CN": reason_zh.strip(), "en": reason_en.strip()},
                                  "effective_from": effective_from or None, "effective_to": effective_to or None}
    if lock_manifest:
        definition["lock_manifest"] = True
    return definition


def recent_declaration_dicts(runtime: Any, who: Principal, limit: int = 500) -> list[dict[str, Any]]:
    """Recent declarations (in the caller's scope) as the rules engine reads them, for dry runs."""
    with runtime.engine.connect() as conn:
        views = declarations_queries.recent(conn, limit, who.customs_scope)
        items = declarations_queries.goods_items(conn, [v.id for v in views])
    return [{"id": v.id, "number": v.number, "enterprise_id": v.trader_id, "customs_code": v.customs_code,
             "direction": v.direction, "trade_mode": v.trade_mode, "total_value": str(v.total_value),
             "currency": v.currency,
             "origin": (items.get(v.id) or [{}])[0].get("origin_country", ""),
             "items": [{"hs_code": i["hs_code"], "origin": i["origin_country"], "quantity": str(i["quantity"]),
                        "value": str(i["total"]), "unit": i["unit"], "name": i["name"]}
                       for i in items.get(v.id, [])]} for v in views]


def _rules_page(request: Request, who: Principal, *, form: dict[str, Any] | None = None,
                dry: dict[str, Any] | None = None, errors: list[dict[str, str]] | None = None,
                status_code: int = 200) -> Response:
    runtime = get_runtime(request)
    rules = rule_services.access_rules(runtime, who)
    latest: dict[str, dict[str, Any]] = {}
    for r in rules:
        latest[r["rule_id"]] = r
    return render(request, "risk/rules.html", status_code=status_code, rules=rules, latest=latest,
                  form=form or {"channel": "", "score": "0", "condition": '{"item": {"hs": ["0808"]}}'},
                  dry=dry, errors=errors or [], channels=[""] + [c.value for c in Channel], **_ctx(who))


@router.get("/risk/rules", response_class=HTMLResponse)
def rules_page(request: Request, edit: str | None = None, who: Principal = Depends(page_principal)) -> Response:
    _viewer(who)
    form = None
    if edit:
        versions = rule_services.access_rules(get_runtime(request), who, edit)
        d = versions[-1]["definition"]
        form = {"rule_id": d["id"], "condition": json.dumps(d["when"], ensure_ascii=False),
                "channel": d.get("channel", ""), "score": d.get("score", "0"), "reason_zh": d["reason"]["zh-CN"],
                "reason_en": d["reason"]["en"], "effective_from": d.get("effective_from") or "",
                "effective_to": d.get("effective_to") or "", "lock_manifest": d.get("lock_manifest", False)}
    return _rules_page(request, who, form=form)


def _translated(request: Request, exc: ValidationFailed) -> list[dict[str, str]]:
    runtime = get_runtime(request)
    loc = locale(request)
    return [{"field": e.field, "message": runtime.translator.t(e.key, loc, **e.params)} for e in exc.errors]


@router.post("/risk/rules", response_class=HTMLResponse)
def rule_form(request: Request, action: str = Form("save"), rule_id: str = Form(""), condition: str = Form(""),
              channel: str = Form(""), score: str = Form("0"), reason_zh: str = Form(""), reason_en: str = Form(""),
              effective_from: str = Form(""), effective_to: str = Form(""), lock_manifest: bool = Form(False),
              who: Principal = Depends(page_principal)) -> Response:
    """Save a new version (draft) or dry-run the form's rule over recent declarations (nothing stored)."""
    _author(who)
    runtime = get_runtime(request)
    form = {"rule_id": rule_id, "condition": condition, "channel": channel, "score": score, "reason_zh": reason_zh,
            "reason_en": reason_en, "effective_from": effective_from, "effective_to": effective_to,
            "lock_manifest": lock_manifest}
    try:
        definition = _definition(rule_id, condition, channel, score, reason_zh, reason_en, effective_from,
                                 effective_to, lock_manifest)
        if action == "dry_run":
            on = runtime.clock.now().astimezone(LOCAL).date()
            dry = rule_services.run_dry_run(runtime, who, recent_declaration_dicts(runtime, who), on, [definition])
            return _rules_page(request, who, form=form, dry=dry)
        rule_services.do_create_rule_version(runtime, who, definition)
    except ValidationFailed as exc:
        return _rules_page(request, who, form=form, errors=_translated(request, exc), status_code=422)
    return RedirectResponse("/risk/rules", status_code=303)


@router.post("/risk/rules/{rule_id}/versions/{version}/dry-run", response_class=HTMLResponse)
def stored_dry_run(rule_id: str, version: int, request: Request, who: Principal = Depends(page_principal)
                   ) -> Response:
    _author(who)
    runtime = get_runtime(request)
    versions = [r for r in rule_services.access_rules(runtime, who, rule_id) if r["version"] == version]
    if not versions:
        raise NotFound("risk.rule.not_found")
    on = runtime.clock.now().astimezone(LOCAL).date()
    dry = rule_services.run_dry_run(runtime, who, recent_declaration_dicts(runtime, who), on,
                                    [versions[0]["definition"]])
    return _rules_page(request, who, dry=dry)


@router.post("/risk/rules/{rule_id}/versions/{version}/{step}")
def rule_step(rule_id: str, version: int, step: str, request: Request,
              who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    if step == "activate":
        rule_services.do_activate_rule(runtime, who, rule_id, version)
    elif step == "retire":
        rule_services.do_retire_rule(runtime, who, rule_id, version)
    else:
        raise PermissionDenied("error.forbidden")
    return RedirectResponse("/risk/rules", status_code=303)


# --- roster and manifests ----------------------------------------------------------------------------------------
@router.get("/risk/roster", response_class=HTMLResponse)
def roster_page(request: Request, site: str = "3104", who: Principal = Depends(page_principal)) -> Response:
    officers = batching.access_roster(get_runtime(request), who, site)
    return render(request, "risk/roster.html", site=site, officers=officers, **_ctx(who))


@router.post("/risk/roster/{site}/{user_id}")
def duty_form(site: str, user_id: str, request: Request, on_duty: str = Form("0"),
              who: Principal = Depends(page_principal)) -> Response:
    batching.do_set_duty(get_runtime(request), who, site, user_id, on_duty == "1")
    return RedirectResponse(f"/risk/roster?site={site}", status_code=303)


@router.get("/risk/manifests", response_class=HTMLResponse)
def manifests_page(request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    return render(request, "risk/manifests.html", locks=manifests.access_locks(runtime, who),
                  history=manifests.access_locks(runtime, who, history=True), **_ctx(who))


@router.post("/risk/manifests/lock")
def lock_form(request: Request, number: str = Form(""), reason: str = Form(""),
              who: Principal = Depends(page_principal)) -> Response:
    manifests.do_lock_manifest(get_runtime(request), who, number, reason)
    return RedirectResponse("/risk/manifests", status_code=303)


@router.post("/risk/manifests/{number}/unlock")
def unlock_form(number: str, request: Request, reason: str = Form(""),
                who: Principal = Depends(page_principal)) -> Response:
    manifests.do_unlock_manifest(get_runtime(request), who, number, reason)
    return RedirectResponse("/risk/manifests", status_code=303)

