"""Check-digit validators and code value objects. Each returns the normalised code or raises ValueError
with a message key, so adapters can turn it into a field error.

Sources: GB 32100-2015 (unified social credit code), ISO 6346 (container number, worked example CSQU3054383 in
domain/transit-and-gate.md §4.1), ISO 3779 / GB 16735 (VIN check digit at position 9), domain/trade-rules.md §4
(18-digit declaration number, 10-digit commodity code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class CodeError(ValueError):
    """A code failed validation; `key` is the message key for the catalogue."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    value = code.strip().upper()
    if len(value) != 18:
        raise CodeError("code.uscc.length")
    if not _USCC_RE.match(value):
        raise CodeError("code.uscc.characters")
    if uscc_check_character(value[:17]) != value[17]:
        raise CodeError("code.uscc.check")
    return value


# --- 海关编码 (企业海关注册编码, 10 characters) ----------------------------------------------------------
_CUSTOMS_CODE_RE = re.compile(r"^\d{4}[0-9A-Z]{6}$")


def validate_customs_code(code: str) -> str:
    """1–4 the registering customs district, 5 the zone type, 6 the enterprise type, 7–10 the serial."""
    value = code.strip().upper()
    if len(value) != 10:
        raise CodeError("code.customs_code.length")
    if not _CUSTOMS_CODE_RE.match(value):
        raise CodeError("code.customs_code.characters")
    return value


# --- ISO 6346 container number -----------------------------------------------------------------------------
_CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZR]\d{7}$")


def iso6346_letter_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    v = ord(char) - 55  # A = 10
    return v + (v - 1) // 10  # skips 11, 22, 33


def iso6346_check_digit(first10: str) -> int:
    total = sum(iso6346_letter_value(c) << i for i, c in enumerate(first10))
    return total % 11 % 10


def validate_container_number(code: str) -> str:
    value = code.replace(" ", "").strip().upper()
    if not _CONTAINER_RE.match(value):
        raise CodeError("code.container.format")
    if iso6346_check_digit(value[:10]) != int(value[10]):
        raise CodeError("code.container.check")
    return value


# --- VIN (ISO 3779; check digit at position 9) --------------------------------------------------------------
_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
                       strict=True))
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin: str) -> str:
    total = sum((int(c) if c.isdigit() else _VIN_VALUES[c]) * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(code: str) -> str:
    value = code.strip().upper()
    if not _VIN_RE.match(value):
        raise CodeError("code.vin.format")
    if vin_check_digit(value) != value[8]:
        raise CodeError("code.vin.check")
    return value


# --- 商品编码 (HS / China commodity code) -----------------------------------------------------------------
@dataclass(frozen=True, order=True)
class HSCode:
    """6-digit HS subheading, 8-digit China tariff line or 10-digit code with supplementary digits."""

    digits: str

    def __post_init__(self) -> None:
        if not (self.digits.isdigit() and len(self.digits) in (2, 4, 6, 8, 10)):
            raise CodeError("code.hs.format")

    @classmethod
    def parse(cls, code: str) -> HSCode:
        value = code.replace(".", "").replace(" ", "").strip()
        return cls(value)

    @property
    def chapter(self) -> str:
        return self.digits[:2]

    @property
    def heading(self) -> str:
        return self.digits[:4]

    @property
    def subheading(self) -> str:
        return self.digits[:6]

    def __str__(self) -> str:
        return self.digits


# --- 报关单号 / 海关编号 (18 digits) ---------------------------------------------------------------------------
_DECLARATION_RE = re.compile(r"^\d{4}(\d{4})([01])\d{9}$")
IMPORT, EXPORT = "I", "E"


def validate_declaration_number(code: str, *, direction: str | None = None) -> str:
    """1–4 accepting customs, 5–8 year, 9 import "1" / export "0", 10–18 serial."""
    value = code.strip()
    match = _DECLARATION_RE.match(value)
    if not match:
        raise CodeError("code.declaration_number.format")
    year = int(match.group(1))
    if not 2000 <= year <= 2099:
        raise CodeError("code.declaration_number.year")
    if direction is not None and {"1": IMPORT, "0": EXPORT}[match.group(2)] != direction:
        raise CodeError("code.declaration_number.direction")
    return value


def make_declaration_number(customs_code: str, year: int, direction: str, serial: int) -> str:
    flag = "1" if direction == IMPORT else "0"
    return f"{customs_code[:4]}{year:04d}{flag}{serial:09d}"
