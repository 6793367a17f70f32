"""A synthetic import trade set with planted fraud (合成贸易数据), deterministic from a seed.

The public synthetic declarations of the DATE work are not available offline (shared/data/customs-fraud/README),
so the platform generates its own, with the same columns plus what the planted patterns need:

- enterprises (importers) of very different sizes, each with a hidden propensity to cheat and a preferred
  fraud type; a few "bad actors", some of whom only start trading in later months (concept drift, so the
  model has no history on them and only the random share finds them); declarants (brokers), a few complicit;
- goods: HS-6 lines with a price level, a weight per unit and an MFN duty rate; origins with preferential
  (FTA) or anti-dumping rates for some lines;
- planted frauds, each with the duty it would recover on inspection (``revenue``):
  1 undervaluation (value × 0.45–0.8), 2 misclassification (a cheaper HS line of the same chapter),
  3 origin fraud (a preferential origin declared for goods from an anti-dumping origin),
  4 quantity misdeclaration (quantity and value both understated; the weighed gross weight betrays it);
  plus licit anomalies (clearance sales, related-party prices) that look like undervaluation but are lawful.

Only the declared fields are features; ``illicit``, ``revenue`` and ``fraud_type`` are labels, and the hidden
propensities never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FRAUD_TYPES = ("none", "undervaluation", "misclassification", "origin", "quantity")
GRADES = ("advanced_certified", "certified", "general", "dishonest")


@dataclass
class TradeSet:
    """Column arrays of equal length (one row per single-item declaration), sorted by date."""

    columns: dict[str, np.ndarray]
    mfn_rate: np.ndarray  # public tariff schedule: MFN duty rate per HS-6 index
    months: int
    meta: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["month"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def take(self, mask: np.ndarray) -> TradeSet:
        return TradeSet({k: v[mask] for k, v in self.columns.items()}, self.mfn_rate, self.months, self.meta)

    def with_labels(self, illicit: np.ndarray, revenue: np.ndarray) -> TradeSet:
        cols = dict(self.columns)
        cols["illicit"], cols["revenue"] = illicit, revenue
        return TradeSet(cols, self.mfn_rate, self.months, self.meta)


def generate(rows: int = 100_000, months: int = 12, seed: int = 7) -> TradeSet:
    rng = np.random.Generator(np.random.PCG64(seed))
    n_imp = max(60, rows // 40)
    n_dec = max(15, rows // 400)
    n_hs6 = 320
    n_cty = 60
    n_office = 8

    # goods and tariff schedule
    chapter = rng.integers(1, 98, size=n_hs6 // 8).repeat(8)[:n_hs6]
    hs6_code = chapter * 10_000 + (np.arange(n_hs6) % 8 + 1) * 1000 + rng.integers(0, 100, n_hs6) * 10
    log_price = rng.normal(3.0, 1.4, n_hs6)
    weight_unit = np.exp(rng.normal(0.0, 1.0, n_hs6))
    mfn = rng.choice([0.0, 0.03, 0.05, 0.08, 0.10, 0.15, 0.20, 0.30], n_hs6,
                     p=[0.06, 0.14, 0.18, 0.2, 0.17, 0.12, 0.08, 0.05])
    hs_popularity = rng.dirichlet(np.full(n_hs6, 0.6))
    fta = rng.random(n_cty) < 0.25  # preferential origins: duty × 0.2
    fta[0] = False  # country 0 is a transit hub
    anti_dumping = rng.random((n_hs6, n_cty)) < 0.08  # extra 25 points on some (line, origin) pairs
    origin_price = rng.normal(0.0, 0.25, (n_hs6, n_cty))
    sources = [rng.choice(np.arange(1, n_cty), size=rng.integers(1, 6), replace=False) for _ in range(n_hs6)]

    def duty(h: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.where(fta[c], mfn[h] * 0.2, mfn[h]) + np.where(anti_dumping[h, c], 0.25, 0.0)

    # enterprises
    size = np.exp(rng.normal(0, 1.3, n_imp))
    kind = rng.choice(3, n_imp, p=[0.80, 0.15, 0.05])  # honest / opportunistic / bad actor
    propensity = np.select([kind == 0, kind == 1], [rng.beta(1, 60, n_imp), rng.beta(2, 9, n_imp)],
                           rng.beta(5, 6, n_imp))
    preferred = rng.integers(1, 5, n_imp)
    start = np.zeros(n_imp, dtype=int)
    late = (kind == 2) & (rng.random(n_imp) < 0.4)
    start[late] = rng.integers(months // 2, months, late.sum())
    size[late] *= 2.0
    catalogue = [rng.choice(n_hs6, size=rng.integers(3, 16), replace=False, p=hs_popularity) for _ in range(n_imp)]
    dec_complicit = rng.random(n_dec) < 0.1
    imp_declarants = [rng.choice(n_dec, size=rng.integers(1, 3), replace=False) for _ in range(n_imp)]
    imp_office = rng.integers(0, n_office, n_imp)
    # credit grades known to customs: big honest traders certified; known bad actors (not the late ones) dishonest
    grade = np.full(n_imp, 2)
    honest_big = (kind == 0) & (size > np.quantile(size, 0.85))
    grade[honest_big & (rng.random(n_imp) < 0.35)] = 0
    grade[honest_big & (grade == 2) & (rng.random(n_imp) < 0.5)] = 1
    grade[(kind == 2) & ~late & (rng.random(n_imp) < 0.3)] = 3

    # declarations
    month = np.sort(rng.integers(0, months, rows))
    active_weight = np.where(start[None, :] <= np.arange(months)[:, None], size[None, :], 0.0)
    active_weight /= active_weight.sum(axis=1, keepdims=True)
    importer = np.empty(rows, dtype=np.int64)
    for m in range(months):
        idx = np.nonzero(month == m)[0]
        importer[idx] = rng.choice(n_imp, size=len(idx), p=active_weight[m])
    hs = np.array([catalogue[i][rng.integers(len(catalogue[i]))] for i in importer])
    declarant = np.array([imp_declarants[i][rng.integers(len(imp_declarants[i]))] for i in importer])
    origin = np.array([sources[h][rng.integers(len(sources[h]))] for h in hs])
    shipped = np.where(rng.random(rows) < 0.85, origin, 0)
    office = np.where(rng.random(rows) < 0.9, imp_office[importer], rng.integers(0, n_office, rows))
    qty = np.maximum(1, np.round(np.exp(rng.normal(4.0, 1.2, rows) + 0.3 * np.log(size[importer]))))
    unit_price = np.exp(log_price[hs] + origin_price[hs, origin] + rng.normal(0, 0.45, rows))
    cif_true = qty * unit_price
    weight = qty * weight_unit[hs] * np.exp(rng.normal(0, 0.2, rows))

    # planted fraud
    p = propensity[importer] * np.where(dec_complicit[declarant], 1.6, 1.0) * (0.6 + 3.0 * mfn[hs])
    cheat = rng.random(rows) < np.clip(p, 0, 0.9)
    ftype = np.where(cheat, np.where(rng.random(rows) < 0.7, preferred[importer], rng.integers(1, 5, rows)), 0)
    decl_hs, decl_origin, decl_qty, decl_cif = hs.copy(), origin.copy(), qty.copy(), cif_true.copy()
    # 2 misclassification: a cheaper line of the same chapter (else fall back to undervaluation)
    for i in np.nonzero(ftype == 2)[0]:
        same = np.nonzero((chapter == chapter[hs[i]]) & (mfn < mfn[hs[i]]))[0]
        if len(same):
            decl_hs[i] = same[rng.integers(len(same))]
        else:
            ftype[i] = 1
    # 3 origin fraud: goods from a dutiable origin declared as a preferential one (else undervaluation)
    fta_ids = np.nonzero(fta)[0]
    for i in np.nonzero(ftype == 3)[0]:
        if duty(hs[i:i + 1], origin[i:i + 1])[0] > mfn[hs[i]] * 0.2 + 1e-9:
            decl_origin[i] = fta_ids[rng.integers(len(fta_ids))]
            u = rng.random()  # shipped from the true origin, through the hub, or disguised via the declared one
            shipped[i] = origin[i] if u < 0.4 else (0 if u < 0.7 else decl_origin[i])
        else:
            ftype[i] = 1
    under = ftype == 1
    decl_cif[under] = cif_true[under] * rng.uniform(0.45, 0.8, under.sum())
    qmis = ftype == 4
    factor = rng.uniform(0.5, 0.8, qmis.sum())
    decl_qty[qmis] = np.maximum(1, np.round(qty[qmis] * factor))
    decl_cif[qmis] = cif_true[qmis] * decl_qty[qmis] / qty[qmis]
    # licit anomalies: clearance sales and related-party prices look like undervaluation but are lawful
    discount = (ftype == 0) & (rng.random(rows) < 0.04)
    decl_cif[discount] = cif_true[discount] * rng.uniform(0.4, 0.8, discount.sum())
    cif_true[discount] = decl_cif[discount]
    true_duty = cif_true * duty(hs, origin)
    decl_duty = decl_cif * duty(decl_hs, decl_origin)
    revenue = np.where(ftype > 0, np.maximum(true_duty - decl_duty, 0.0), 0.0)
    illicit = (ftype > 0) & (revenue > 1.0)
    ftype = np.where(illicit, ftype, 0)
    revenue = np.where(illicit, np.round(revenue), 0.0)

    fob = decl_cif * np.minimum(rng.normal(0.85, 0.05, rows), 1.0)
    day = month * 30 + rng.integers(0, 30, rows)
    order = np.lexsort((rng.random(rows), day))
    tariff_code = hs6_code[decl_hs] * 10_000 + rng.integers(0, 3, rows) * 10
    cols = {
        "sgd_id": np.arange(1, rows + 1), "day": day, "month": month, "importer": importer,
        "declarant": declarant, "country": decl_origin, "shipped_from": shipped, "office": office,
        "hs6": decl_hs, "tariff_code": tariff_code, "quantity": decl_qty, "gross_weight": np.round(weight, 1),
        "fob": np.round(fob, 2), "cif": np.round(decl_cif, 2), "taxes": np.round(decl_duty, 2),
        "grade": grade[importer], "containerised": rng.random(rows) < 0.8,
        "illicit": illicit.astype(np.int8), "revenue": revenue, "fraud_type": ftype.astype(np.int8),
    }
    cols = {k: v[order] for k, v in cols.items()}
    cols["sgd_id"] = np.arange(1, rows + 1)
    return TradeSet(cols, mfn, months, {"rows": rows, "months": months, "seed": seed, "importers": n_imp,
                                        "declarants": n_dec, "hs6_lines": n_hs6, "countries": n_cty,
                                        "chapter": chapter, "fta": fta})
