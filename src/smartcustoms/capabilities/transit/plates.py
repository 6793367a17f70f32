"""Chinese vehicle plates (号牌), GA 36-2018, with the regexes of domain/transit-and-gate.md §4.2. Pure.

The NEV (新能源) energy letters are D (pure electric) and F (non-pure) per the standard; some public validators
accept more (``DABCEFGHJK``) without an official source, so the set is a parameter."""

from __future__ import annotations

import re
from functools import lru_cache

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTER = "A-HJ-NP-Z"  # no I, O
NEV_LETTERS = "DF"


@lru_cache(maxsize=8)
def _patterns(nev_letters: str) -> tuple[re.Pattern[str], ...]:
    p = f"[{PROVINCES}]"
    return (
        re.compile(f"^{p}[{LETTER}][{LETTER}0-9]{{4}}[{LETTER}0-9挂学警港澳]$"),  # ordinary, 7 characters
        re.compile(f"^{p}[{LETTER}][{nev_letters}][{LETTER}0-9][0-9]{{4}}$"),  # small NEV
        re.compile(f"^{p}[{LETTER}][0-9]{{5}}[{nev_letters}]$"),  # large NEV
    )


def plate_kind(plate: str, nev_letters: str = NEV_LETTERS) -> str | None:
    """'ordinary', 'nev_small', 'nev_large', or None when the plate is not valid."""
    value = plate.strip().upper()
    for kind, pattern in zip(("ordinary", "nev_small", "nev_large"), _patterns(nev_letters), strict=True):
        if pattern.match(value):
            return kind
    return None


def validate_plate(plate: str, nev_letters: str = NEV_LETTERS) -> str:
    """The normalised plate, or ValueError("transit.plate.invalid")."""
    value = plate.strip().upper()
    if plate_kind(value, nev_letters) is None:
        raise ValueError("transit.plate.invalid")
    return value
