"""Training and evaluation data for the HS text classifier (数据): the HS 2022 nomenclature, the HMRC reference
terms, our own Chinese seed set, synthetic declaration-style strings and officer corrections.

HSCodeComp is read only by `load_hscodecomp` for evaluation — never for training."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEED_CSV = Path(__file__).with_name("seed_zh.csv")


@dataclass(frozen=True)
class Example:
    text: str
    code: str
    """2, 4 or 6 digits: the level the example labels."""
    source: str
    weight: float = 1.0


@dataclass
class Nomenclature:
    """HS 2022 (协调制度): code → description for chapters (2), headings (4) and subheadings (6)."""

    descriptions: dict[str, str] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    """chapter → section roman numeral"""

    def valid6(self, code: str) -> bool:
        return len(code) >= 6 and code[:6] in self.descriptions

    def path_text(self, code: str) -> str:
        """'chapter; heading; subheading' description for a 6-digit code (shorter codes: fewer parts)."""
        return " ; ".join(self.descriptions[c] for c in (code[:2], code[:4], code[:6][: len(code)])
                          if c in self.descriptions and len(c) <= len(code))

    def codes(self, level: int) -> list[str]:
        return sorted(c for c in self.descriptions if len(c) == level)


def load_nomenclature(hs_dir: Path) -> Nomenclature:
    nom = Nomenclature()
    with open(hs_dir / "harmonized-system.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["hscode"].strip()
            if row["level"] not in ("2", "4", "6") or not code.isdigit():
                continue  # the TOTAL row
            nom.descriptions[code] = row["description"].strip()
            if len(code) == 2:
                nom.sections[code] = row["section"].strip()
    return nom


def nomenclature_examples(nom: Nomenclature) -> list[Example]:
    """Every code's own description, plus for subheadings 'subheading ; heading' so a bare 'Other' has context."""
    out = []
    for code, desc in nom.descriptions.items():
        out.append(Example(desc, code, "hs2022"))
        if len(code) == 6:
            out.append(Example(f"{desc} ; {nom.descriptions.get(code[:4], '')}", code, "hs2022"))
    return out


def hmrc_examples(fpo_dir: Path, nom: Nomenclature) -> list[Example]:
    """HMRC search references and parcel descriptions, kept only where the first 6 digits are valid HS 2022."""
    out = []
    refs = json.loads((fpo_dir / "search_references.json").read_text(encoding="utf-8"))
    for term, code in refs.items():
        if nom.valid6(code):
            out.append(Example(term, code[:6], "hmrc_search"))
    with open(fpo_dir / "extra_references.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("Commodity Code") or "").strip()
            if nom.valid6(code):
                # abbreviated parcel descriptions, mostly cosmetics: down-weighted (measured: better headings)
                out.append(Example(row["Goods Description"], code[:6], "hmrc_extra", 0.3))
    return out


def vague_terms(fpo_dir: Path) -> list[str]:
    with open(fpo_dir / "vague_terms.csv", encoding="utf-8", newline="") as fh:
        return [row[0] for row in csv.reader(fh) if row and row[0].strip()]


def seed_examples(nom: Nomenclature, path: Path = SEED_CSV) -> list[Example]:
    """Our own hand-written seed set (text,hs6,lang): common goods in Chinese and English."""
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            code = row["hs6"].strip()
            if code in nom.descriptions:
                out.append(Example(row["text"].strip(), code, "seed", 2.0))
    return out


_BRANDS = ["华为", "联想", "小米", "海尔", "美的", "格力", "大疆", "Sony", "Bosch", "Siemens", "Philips", "Apple",
           "Samsung", "Dell", "HP", "Canon", "Panasonic", "无品牌", "无牌", "ACME", "Omron", "3M"]
_USES = ["工业用", "家用", "办公用", "实验室用", "for industrial use", "for household use", "for office use"]
_MODEL_PREFIX = ["A", "B", "X", "KX", "MT", "HW", "LX", "SG", "ZL", "P"]
_NOISE_EN = ["new", "1pc", "2pcs", "high quality", "professional", "portable", "mini", "for home", "original",
             "hot sale", "free shipping", "diy", "replacement", "black", "white", "upgraded", "universal", "set",
             "kit", "durable", "2024", "brand new", "for men women", "multi-function", "with", "accessories",
             "outdoor", "lot", "100%", "smart", "large", "small", "fashion", "premium", "pack of 10"]
_NOISE_ZH = ["新款", "正品", "一套", "1个", "黑色", "白色", "多功能", "便携式", "高品质", "通用", "家用", "专业"]


def synthetic_examples(seeds: Iterable[Example], count_per_seed: int = 3, random_state: int = 0) -> list[Example]:
    """Declaration-style strings (商品名称|规格型号 with 申报要素) generated from the seed set:
    '品名:笔记本电脑;品牌:联想;型号:KX-2035;用途:办公用' and English equivalents."""
    rng = np.random.default_rng(random_state)
    out = []
    for ex in seeds:
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in ex.text)
        for _ in range(count_per_seed):
            brand = _BRANDS[int(rng.integers(len(_BRANDS)))]
            model = f"{_MODEL_PREFIX[int(rng.integers(len(_MODEL_PREFIX)))]}{int(rng.integers(10, 9999))}"
            use = _USES[int(rng.integers(len(_USES)))]
            form = int(rng.integers(4))
            noise_words = _NOISE_ZH if chinese else _NOISE_EN
            noise = " ".join(noise_words[int(j)] for j in rng.integers(len(noise_words), size=int(rng.integers(0, 3))))
            if chinese:
                text = [f"品名:{ex.text};品牌:{brand};型号:{model}",
                        f"{ex.text}|{brand}牌 {model}型",
                        f"{ex.text} {model};用途:{use};品牌类型:境外品牌(其他)",
                        f"{brand} {noise}{ex.text} 型号{model}"][form]
            else:
                text = [f"{noise} {ex.text}; brand: {brand}; model: {model}", f"{brand} {noise} {ex.text} {model}",
                        f"{ex.text}, {use}, {noise} model {model}", f"{noise} {ex.text} | {brand} | {model}"][form]
            out.append(Example(text, ex.code, "synthetic", 0.5))
    return out


def training_corpus(shared_dir: Path, corrections: Iterable[tuple[str, str]] = (), *,
                    synthetic_per_seed: int = 3, synthetic_all_terms: bool = False,
                    ) -> tuple[list[Example], Nomenclature, dict[str, int]]:
    """All training examples (never HSCodeComp) with counts per source, for the model card."""
    nom = load_nomenclature(shared_dir / "data" / "hs" / "harmonized-system")
    seeds = seed_examples(nom)
    hmrc = hmrc_examples(shared_dir / "data" / "hs" / "uk_fpo_reference", nom)
    english_terms = [e for e in hmrc if e.source == "hmrc_search"
                     and (synthetic_all_terms or e.code[:2] in ("84", "85", "90"))]
    examples = nomenclature_examples(nom) + hmrc + seeds
    examples += synthetic_examples(seeds + english_terms, synthetic_per_seed)
    examples += [Example(text, code[:6], "correction", 3.0) for text, code in corrections if nom.valid6(code)]
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.source] = counts.get(ex.source, 0) + 1
    return examples, nom, counts


# --- HSCodeComp (test only) -----------------------------------------------------------------------------------
SKIP_ATTRIBUTES = {"origin", "measurement unit", "each pack", "sold in", "package weight", "package size - length (cm)",
                   "package size - width (cm)", "package size - height (cm)", "hign-concerned chemical", "cn",
                   "place of origin", "brand name", "is_customized", "certification", "model number", "quantity",
                   "package", "condition"}


@dataclass(frozen=True)
class TestItem:
    name: str
    spec: str
    brand: str
    use: str
    material: str
    code: str
    """gold 6-digit subheading"""


def load_hscodecomp(path: Path) -> list[TestItem]:
    """HSCodeComp as a declarant would fill the form: product_name → 商品名称; product attributes (minus
    logistics fields) → 规格型号, material and use; brand. The e-commerce category fields are NOT used."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            attrs = json.loads(row.get("product_attributes") or "{}")
            material, use, spec = [], [], []
            for key, value in attrs.items():
                k = key.strip().lower()
                value = str(value).strip()
                if k in SKIP_ATTRIBUTES or not value or value.lower() in ("none", "others", "other", "no"):
                    continue
                if "material" in k or "metals" in k or "fabric" in k:
                    material.append(value)
                elif k in ("use", "application", "function", "usage"):
                    use.append(value)
                else:
                    spec.append(value)
            brand = str(attrs.get("Brand Name", ""))
            brand = "" if brand.lower().startswith("noenname") else brand
            items.append(TestItem(row["product_name"], " ".join(spec), brand, " ".join(use), " ".join(material),
                                  str(row["hs_code"]).zfill(10)[:6]))
    return items
