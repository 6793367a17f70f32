"""Text handling for HS classification: normalise, compose the declared fields into one string, truncate
deliberately, and tell whether the text carries any usable letters at all (scripts we support: Latin, CJK)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_FIELD_CHARS = 300
"""Each declared field is cut to this many characters before composing (a declaration field is short)."""
MAX_TEXT_CHARS = 600
"""The composed text is cut to this many characters: longer input is truncated, never rejected."""

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, controls removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACES.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class TextFacts:
    length: int
    cjk: int
    latin: int
    digits: int
    truncated: bool

    @property
    def letters(self) -> int:
        return self.cjk + self.latin

    @property
    def supported(self) -> bool:
        """At least two letters of a supported script (one Chinese character can already name a good: 茶)."""
        return self.cjk >= 1 or self.latin >= 3


def facts(text: str, truncated: bool = False) -> TextFacts:
    return TextFacts(len(text), len(_CJK.findall(text)), len(_LATIN.findall(text)), len(_DIGIT.findall(text)),
                     truncated)


def compose(name: str, spec: str = "", brand: str = "", use: str = "", material: str = "") -> tuple[str, bool]:
    """Join the declared fields (商品名称 | 规格型号 | 用途 | 材质 | 品牌) into one normalised string.

    Returns the text and whether anything was truncated. The name comes first and is kept whole up to
    MAX_FIELD_CHARS, so truncation removes the tail of the specification, not the goods name."""
    truncated = False
    parts = []
    for value in (name, spec, use, material, brand):
        value = normalise(value)
        if len(value) > MAX_FIELD_CHARS:
            value, truncated = value[:MAX_FIELD_CHARS], True
        if value:
            parts.append(value)
    text = " | ".join(parts)
    if len(text) > MAX_TEXT_CHARS:
        text, truncated = text[:MAX_TEXT_CHARS], True
    return text, truncated
