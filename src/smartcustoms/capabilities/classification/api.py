"""POST /api/v1/classify (single or batch of up to 500 goods items) and POST /api/v1/classify/decisions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.classification import queries, services
from smartcustoms.capabilities.classification.commands import GoodsText, RecordDecision
from smartcustoms.capabilities.classification.domain import MAX_BATCH, MAX_TEXT
from smartcustoms.platform.http import get_runtime, principal
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

router = APIRouter(tags=["classification"])


class GoodsIn(BaseModel):
    name: str = Field(..., max_length=MAX_TEXT, description="商品名称 goods name")
    spec: str = Field("", max_length=MAX_TEXT, description="规格型号 specification / model")
    brand: str = Field("", max_length=MAX_TEXT)
    use: str = Field("", max_length=MAX_TEXT)
    material: str = Field("", max_length=MAX_TEXT)


class ClassifyIn(BaseModel):
    """Either one item (name, spec, …) or `items` (1–500)."""

    name: str | None = Field(None, max_length=MAX_TEXT)
    spec: str = Field("", max_length=MAX_TEXT)
    brand: str = Field("", max_length=MAX_TEXT)
    use: str = Field("", max_length=MAX_TEXT)
    material: str = Field("", max_length=MAX_TEXT)
    items: list[GoodsIn] | None = Field(None, max_length=MAX_BATCH)
    k: int = Field(3, ge=1, le=10)
    explain: bool = True


class EvidenceOut(BaseModel):
    ngram: str
    weight: float


class SuggestionOut(BaseModel):
    code: str
    confidence: float
    chapter: str
    chapter_confidence: float
    heading: str
    heading_confidence: float
    description: str
    heading_description: str
    chapter_description: str
    evidence: list[EvidenceOut]


class NeighbourOut(BaseModel):
    text: str
    code: str
    similarity: float


class ResultOut(BaseModel):
    suggestions: list[SuggestionOut]
    needs_detail: bool
    reasons: list[str]
    neighbours: list[NeighbourOut]
    model_version: str


class BatchOut(BaseModel):
    results: list[ResultOut]


class DecisionIn(BaseModel):
    name: str = Field(..., max_length=MAX_TEXT)
    spec: str = Field("", max_length=MAX_TEXT)
    predicted_code: str | None = Field(None, max_length=12)
    confirmed_code: str = Field(..., max_length=12)
    note: str = Field("", max_length=2000)


class DecisionOut(BaseModel):
    id: str
    kind: str
    predicted_code: str | None
    confirmed_code: str


def _out(r: queries.SuggestionResult) -> ResultOut:
    d = asdict(r)
    for s in d["suggestions"]:
        s["evidence"] = [{"ngram": g, "weight": w} for g, w in s["evidence"]]
    d.pop("text")
    return ResultOut(**d)


@router.post("/classify", response_model=ResultOut | BatchOut)
async def classify(body: ClassifyIn, runtime: Runtime = Depends(get_runtime),
                   who: Principal = Depends(principal)) -> Any:
    """HS code suggestions (any logged-in user). One item → a result; `items` → {results: [...]}."""
    if body.items is not None:
        items = [GoodsText(i.name, i.spec, i.brand, i.use, i.material) for i in body.items]
        services.check_goods(items, "items")
        results = await run_in_threadpool(queries.suggest_many, runtime, items, body.k, explain=body.explain)
        return BatchOut(results=[_out(r) for r in results])
    item = GoodsText(body.name or "", body.spec, body.brand, body.use, body.material)
    services.check_goods([item])
    results = await run_in_threadpool(queries.suggest_many, runtime, [item], body.k, explain=body.explain)
    return _out(results[0])


@router.post("/classify/decisions", response_model=DecisionOut, status_code=201)
def decide(body: DecisionIn, runtime: Runtime = Depends(get_runtime),
           who: Principal = Depends(principal)) -> DecisionOut:
    """An officer confirms or corrects a code (risk_officer, section_chief, inspector, admin)."""
    c = services.do_record_decision(runtime, who, RecordDecision(body.name, body.spec, body.confirmed_code,
                                                                 body.predicted_code, body.note))
    return DecisionOut(id=c.id, kind=c.kind, predicted_code=c.predicted_code, confirmed_code=c.confirmed_code)
