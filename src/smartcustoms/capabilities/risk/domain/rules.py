"""Rules engine (风险规则): declarative, versioned rules over plain declaration dicts.

A rule is JSON (stored per version in ``risk_rule_versions``)::

    {"id": "APPLES", "version": 1, "when": {...condition...}, "channel": "manual",
     "reason": {"zh-CN": "美国产苹果 100% 查验", "en": "US apples: inspect 100 %"},
     "effective_from": "2026-01-01", "effective_to": null}

Conditions (nest freely):

- ``{"all": [c, ...]}``, ``{"any": [c, ...]}``, ``{"not": c}``
- ``{"field": "origin", "op": "in", "value": ["US"]}`` — a dotted path into the declaration; ops ``eq ne in
  not_in gt ge lt le between startswith exists``
- ``{"item": c}`` — true when any goods item satisfies `c` (field paths then start at the item)
- ``{"hs": ["0808", "0810-0814"]}`` — inside ``item``: the item's HS code falls in one of the prefix ranges
- ``{"unit_value": {"op": "lt", "z": -2, "min_count": 20}}`` — inside ``item``: the item's log unit value
  against the history of the same HS-6 and origin, as a z-score (no history: false)
- ``{"grade": ["dishonest"]}`` — the enterprise's credit grade
- ``{"manifest_flag": "no_manifest"}`` — a flag on the declaration's manifest
- ``{"watch_list": "sanctioned_consignees", "field": "consignee"}`` — the field's value is on the named list

Declarations are plain dicts (``id, enterprise_id, enterprise_grade, origin, manifest_flags, items: [{hs_code,
origin, quantity, value, gross_weight, ...}], ...``) so the engine needs no other capability's classes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from smartcustoms.capabilities.risk.domain.selection import Channel
from smartcustoms.kernel.errors import FieldError

OPS = {"eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between", "startswith", "exists"}


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    when: Mapping[str, Any]
    reason: Mapping[str, str]
    channel: str = ""  # the channel a hit forces ("" = a hit only raises the hit list / score)
    score: str = "0"  # added to the risk score on a hit (capped at 1)
    effective_from: date | None = None
    effective_to: date | None = None  # exclusive
    active: bool = True

    def in_force(self, on: date) -> bool:
        return self.active and (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on < self.effective_to)

    @classmethod
    def from_definition(cls, d: Mapping[str, Any], *, active: bool = True) -> Rule:
        def day(v: Any) -> date | None:
            return None if v in (None, "") else (v if isinstance(v, date) else date.fromisoformat(v))

        return cls(id=d["id"], version=int(d.get("version", 1)), when=d["when"], reason=dict(d["reason"]),
                   channel=d.get("channel", "") or "", score=str(d.get("score", "0")),
                   effective_from=day(d.get("effective_from")), effective_to=day(d.get("effective_to")),
                   active=active)


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    version: int
    reason: Mapping[str, str]
    channel: str
    items: tuple[int, ...] = ()
    score: str = "0"


@dataclass
class UnitValueHistory:
    """Mean and spread of log unit value per (HS-6, origin) — the "historical distribution"."""

    stats: dict[tuple[str, str], tuple[int, float, float]] = field(default_factory=dict)

    @classmethod
    def from_items(cls, items: Iterable[Mapping[str, Any]]) -> UnitValueHistory:
        acc: dict[tuple[str, str], list[float]] = {}
        for it in items:
            uv = unit_value(it)
            if uv is not None:
                acc.setdefault((str(it["hs_code"])[:6], str(it.get("origin", ""))), []).append(math.log(uv))
        stats = {}
        for key, values in acc.items():
            n = len(values)
            mean = sum(values) / n
            sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
            stats[key] = (n, mean, sd)
        return cls(stats)

    def z(self, item: Mapping[str, Any], min_count: int) -> float | None:
        uv = unit_value(item)
        got = self.stats.get((str(item.get("hs_code", ""))[:6], str(item.get("origin", ""))))
        if uv is None or got is None or got[0] < min_count or got[2] <= 0:
            return None
        return (math.log(uv) - got[1]) / got[2]


def unit_value(item: Mapping[str, Any]) -> float | None:
    try:
        q, v = float(item["quantity"]), float(item["value"])
    except (KeyError, TypeError, ValueError):
        return None
    return v / q if q > 0 and v > 0 else None


@dataclass
class Context:
    history: UnitValueHistory = field(default_factory=UnitValueHistory)
    watch_lists: Mapping[str, frozenset[str]] = field(default_factory=dict)


# --- validation ------------------------------------------------------------------------------------------------
def check_rule(d: Mapping[str, Any]) -> list[FieldError]:
    """Every problem with a rule definition, as field errors (all at once)."""
    errors: list[FieldError] = []
    if not str(d.get("id", "")).strip():
        errors.append(FieldError("id", "field.required"))
    reason = d.get("reason")
    if not isinstance(reason, Mapping) or not str(reason.get("zh-CN", "")).strip() or not str(
            reason.get("en", "")).strip():
        errors.append(FieldError("reason", "risk.rule.reason_required"))
    channel = d.get("channel", "") or ""
    if channel and channel not in {c.value for c in Channel}:
        errors.append(FieldError("channel", "field.invalid"))
    try:
        score = float(d.get("score", "0"))
        if not 0 <= score <= 1:
            errors.append(FieldError("score", "field.invalid"))
    except (TypeError, ValueError):
        errors.append(FieldError("score", "field.not_a_number"))
    for key in ("effective_from", "effective_to"):
        value = d.get(key)
        if value not in (None, "") and not isinstance(value, date):
            try:
                date.fromisoformat(str(value))
            except ValueError:
                errors.append(FieldError(key, "field.invalid"))
    if "when" not in d:
        errors.append(FieldError("when", "field.required"))
    else:
        errors += _check_condition(d["when"], "when", in_item=False)
    return errors


def _check_condition(c: Any, path: str, *, in_item: bool) -> list[FieldError]:
    if not isinstance(c, Mapping) or not c:
        return [FieldError(path, "risk.rule.bad_condition")]
    if "all" in c or "any" in c:
        parts = c.get("all", c.get("any"))
        if not isinstance(parts, list) or not parts:
            return [FieldError(path, "risk.rule.bad_condition")]
        return [e for i, p in enumerate(parts) for e in _check_condition(p, f"{path}.{i}", in_item=in_item)]
    if "not" in c:
        return _check_condition(c["not"], f"{path}.not", in_item=in_item)
    if "item" in c:
        return _check_condition(c["item"], f"{path}.item", in_item=True)
    if "watch_list" in c:
        return []
    if "field" in c:
        if c.get("op") not in OPS:
            return [FieldError(f"{path}.op", "risk.rule.bad_operator")]
        return []
    if "hs" in c or "unit_value" in c:
        return [] if in_item else [FieldError(path, "risk.rule.item_only")]
    if "grade" in c or "manifest_flag" in c:
        return []
    return [FieldError(path, "risk.rule.bad_condition")]


# --- evaluation ------------------------------------------------------------------------------------------------
def _get(obj: Mapping[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, Sequence) and not isinstance(cur, str) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def _num(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def _compare(op: str, actual: Any, value: Any) -> bool:
    if op == "exists":
        return (actual is not None) == bool(value if value is not None else True)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == value)
    if op == "ne":
        return bool(actual != value)
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op == "startswith":
        return str(actual).startswith(tuple(value) if isinstance(value, list) else str(value))
    a = _num(actual)
    try:
        if op == "between":
            return bool(_num(value[0]) <= a <= _num(value[1]))
        b = _num(value)
        return bool({"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op])
    except TypeError:
        return False


def hs_in(hs_code: str, ranges: Sequence[str]) -> bool:
    code = str(hs_code)
    for r in ranges:
        lo, _, hi = str(r).partition("-")
        hi = hi or lo
        prefix = code[: len(lo)]
        if lo <= prefix <= hi:
            return True
    return False


def holds(c: Mapping[str, Any], obj: Mapping[str, Any], ctx: Context, decl: Mapping[str, Any]) -> bool:
    if "all" in c:
        return all(holds(p, obj, ctx, decl) for p in c["all"])
    if "any" in c:
        return any(holds(p, obj, ctx, decl) for p in c["any"])
    if "not" in c:
        return not holds(c["not"], obj, ctx, decl)
    if "item" in c:
        return bool(matching_items(c["item"], decl, ctx))
    if "watch_list" in c:
        return _get(decl, c.get("field", "enterprise_id")) in ctx.watch_lists.get(c["watch_list"], frozenset())
    if "field" in c:
        return _compare(c["op"], _get(obj, c["field"]), c.get("value"))
    if "hs" in c:
        return hs_in(str(obj.get("hs_code", "")), c["hs"])
    if "unit_value" in c:
        spec = c["unit_value"]
        z = ctx.history.z(obj, int(spec.get("min_count", 20)))
        return z is not None and _compare(spec.get("op", "lt"), z, float(spec["z"]))
    if "grade" in c:
        return decl.get("enterprise_grade") in c["grade"]
    if "manifest_flag" in c:
        return c["manifest_flag"] in (decl.get("manifest_flags") or ())
    raise ValueError(f"unknown condition {sorted(c)}")


def matching_items(c: Mapping[str, Any], decl: Mapping[str, Any], ctx: Context) -> list[int]:
    return [i for i, it in enumerate(decl.get("items") or ()) if holds(c, it, ctx, decl)]


def _items_hit(c: Mapping[str, Any], decl: Mapping[str, Any], ctx: Context) -> tuple[int, ...]:
    """The goods items that made an item condition true (for the explanation); () for declaration-level."""
    found: set[int] = set()

    def walk(node: Mapping[str, Any]) -> None:
        if "item" in node:
            found.update(matching_items(node["item"], decl, ctx))
        for key in ("all", "any"):
            for part in node.get(key, ()):
                walk(part)

    walk(c)
    return tuple(sorted(found))


def evaluate(rules: Iterable[Rule], decl: Mapping[str, Any], on: date, ctx: Context | None = None) -> list[RuleHit]:
    ctx = ctx or Context()
    hits = []
    for rule in rules:
        if rule.in_force(on) and holds(rule.when, decl, ctx, decl):
            hits.append(RuleHit(rule.id, rule.version, rule.reason, rule.channel, _items_hit(rule.when, decl, ctx),
                                rule.score))
    return hits


@dataclass(frozen=True)
class RuleStats:
    rule_id: str
    version: int
    hits: int
    rate: float
    sample: tuple[str, ...]


@dataclass(frozen=True)
class DryRun:
    declarations: int
    hit_declarations: int
    rules: tuple[RuleStats, ...]
    hits: Mapping[str, tuple[RuleHit, ...]]


def dry_run(rules: Sequence[Rule], declarations: Sequence[Mapping[str, Any]], on: date, ctx: Context | None = None,
            *, sample: int = 10, ignore_status: bool = True) -> DryRun:
    """Evaluate `rules` (drafts included when `ignore_status`) over recent declarations; hit statistics."""
    ctx = ctx or Context()
    use = [Rule(**{**r.__dict__, "active": True}) if ignore_status else r for r in rules]
    by_decl: dict[str, tuple[RuleHit, ...]] = {}
    counts: dict[tuple[str, int], list[str]] = {(r.id, r.version): [] for r in use}
    for decl in declarations:
        hits = evaluate(use, decl, on, ctx)
        if hits:
            by_decl[str(decl["id"])] = tuple(hits)
        for h in hits:
            counts[(h.rule_id, h.version)].append(str(decl["id"]))
    n = len(declarations)
    stats = tuple(RuleStats(rid, ver, len(ids), len(ids) / n if n else 0.0, tuple(ids[:sample]))
                  for (rid, ver), ids in counts.items())
    return DryRun(n, len(by_decl), stats, by_decl)
