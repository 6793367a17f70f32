"""Verifiable randomness (可验证随机) for "double random" — the pure protocol of domain/risk.md §4.2.

Standard library only (hashlib, hmac, json, fractions), so `tools/verify_randomness.py` can repeat every step
with nothing installed. The protocol, in order:

1. **Commit.** The server draws a 32-byte `server_seed` and publishes ``commit = SHA-256(server_seed)``.
2. **Freeze.** At batch close the population (declaration ids + risk scores + credit grades + the inputs the
   policy reads), the on-duty officer roster and the policy parameters become Merkle leaves; the root
   ``batch_root`` is published (and chained into the audit log).
3. **Entropy.** After the freeze, outside entropy is entered: dice digits from several named parties (default,
   the machines are offline), a beacon pulse (NIST / drand) copied in by an operator, or multi-party secrets
   committed before the freeze and revealed after it. It is reduced to
   ``entropy_value = SHA-256(canonical JSON of the entropy record)``.
4. **Derive.** ``seed = SHA-256(server_seed ‖ entropy_value ‖ batch_root)`` (raw bytes). Every draw is
   ``HMAC-SHA256(seed, purpose + "|" + label)`` read as a 256-bit integer ``h``:
   - Bernoulli ``h < p · 2^256`` with ``p`` an exact decimal (fractions, no floats);
   - ``randbelow(n)``: rejection sampling over counter-mode HMACs, no modulo bias;
   - ``choice`` = ``options[randbelow(len(options))]``; ``shuffle`` = Fisher–Yates with ``randbelow``.
5. **Reveal.** After the batch the server publishes `server_seed`; anyone checks the commit and re-derives.

The Rivest sampler (``rivest_sample``) is kept for drawing from a public numbered list with a dice seed (the
test vector of risk.md §4.3).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

PROTOCOL = "smartcustoms-double-random/1"
TWO_256 = 1 << 256
MIN_DICE_DIGITS = 24
"""Rivest: at least 24 seed digits in all, from several parties."""


# --- canonical encoding ----------------------------------------------------------------------------------------
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8). Numbers that policies compare are decimal strings."""
    return _CANONICAL.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rate(value: str | int | Decimal | Fraction) -> Fraction:
    """An exact probability from a decimal string such as ``"0.015"`` (floats are refused: not reproducible)."""
    if isinstance(value, float):
        raise TypeError("rates are decimal strings, not floats")
    result = Fraction(value)
    if not 0 <= result <= 1:
        raise ValueError(f"rate {value} outside [0, 1]")
    return result


def score_str(score: float) -> str:
    """Risk scores enter the frozen record with 6 decimals; comparisons use that string, never the float."""
    return f"{min(max(score, 0.0), 1.0):.6f}"


# --- commit --------------------------------------------------------------------------------------------------
def commitment(server_seed: bytes) -> str:
    return sha256_hex(server_seed)


def check_commitment(server_seed: bytes, commit: str) -> bool:
    return hmac.compare_digest(commitment(server_seed), commit)


# --- Merkle root over the frozen population ----------------------------------------------------------------
def leaf_hash(item: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(b"\x00" + canonical(item)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_key(item: Mapping[str, Any]) -> tuple[str, str]:
    return (str(item["kind"]), str(item["id"]))


def sorted_leaves(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Leaves in canonical order (kind, id); duplicates are refused — one leaf per object."""
    leaves = sorted(items, key=leaf_key)
    for a, b in zip(leaves, leaves[1:], strict=False):
        if leaf_key(a) == leaf_key(b):
            raise ValueError(f"duplicate leaf {leaf_key(a)}")
    return leaves


def merkle_root(items: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 Merkle root (leaf prefix 0x00, node prefix 0x01, an odd node is promoted unchanged)."""
    level = [leaf_hash(item) for item in sorted_leaves(items)]
    if not level:
        return sha256_hex(b"")
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def inclusion_proof(items: Iterable[Mapping[str, Any]], kind: str, ident: str) -> list[tuple[str, str]]:
    """Sibling hashes from the leaf (kind, ident) to the root, each tagged "L" or "R" (the sibling's side), so
    an enterprise can check that its declaration was in the frozen batch without seeing the others."""
    leaves = sorted_leaves(items)
    index = next((i for i, it in enumerate(leaves) if leaf_key(it) == (kind, ident)), None)
    if index is None:
        raise KeyError((kind, ident))
    level = [leaf_hash(item) for item in leaves]
    proof: list[tuple[str, str]] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling].hex()))
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level, index = nxt, index // 2
    return proof


def verify_inclusion(item: Mapping[str, Any], proof: Sequence[tuple[str, str]], root: str) -> bool:
    node = leaf_hash(item)
    for side, sibling in proof:
        node = _node(bytes.fromhex(sibling), node) if side == "L" else _node(node, bytes.fromhex(sibling))
    return node.hex() == root


# --- external entropy (pluggable) ----------------------------------------------------------------------------
class EntropySource(Protocol):
    """Outside entropy entered after the freeze. `record()` is published; `value()` feeds the seed."""

    def record(self) -> dict[str, Any]: ...

    def value(self) -> bytes: ...


def entropy_value(record: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(canonical(dict(record))).digest()


@dataclass(frozen=True)
class DiceEntropy:
    """Operator-entered dice digits from several named parties (default: the machines are offline).

    E.g. the risk office, discipline inspection and an officer representative each roll ten-sided dice at the
    batch meeting; at least 24 digits in all (Rivest) and at least two parties."""

    parties: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        problems = check_dice(self.parties)
        if problems:
            raise ValueError("; ".join(problems))

    def record(self) -> dict[str, Any]:
        return {"kind": "dice", "parties": [{"party": p, "digits": d} for p, d in self.parties]}

    def value(self) -> bytes:
        return entropy_value(self.record())


def check_dice(parties: Sequence[tuple[str, str]]) -> list[str]:
    """Problems with a dice entry (empty list when fine); message-key-like codes for the service layer."""
    problems = []
    if len({p for p, _ in parties}) < 2 or len({p for p, _ in parties}) != len(parties):
        problems.append("parties")
    if any(not d.isascii() or not d.isdigit() for _, d in parties):
        problems.append("digits")
    if sum(len(d) for _, d in parties) < MIN_DICE_DIGITS:
        problems.append("too_few_digits")
    return problems


@dataclass(frozen=True)
class BeaconEntropy:
    """A public beacon pulse (NIST Beacon v2 or drand round) copied in by an operator: the source names it, the
    round fixes which pulse, the output is its published value. Checking the beacon's own signature is the
    auditor's job against the beacon operator (no network here)."""

    source: str
    round: str
    output_hex: str

    def record(self) -> dict[str, Any]:
        return {"kind": "beacon", "source": self.source, "round": self.round, "output": self.output_hex.lower()}

    def value(self) -> bytes:
        return entropy_value(self.record())


MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class MultiPartyEntropy:
    """Secrets of several named parties (e.g. risk office, discipline inspection, officer representative), each
    committed as ``SHA-256(secret)`` **before the freeze** and revealed after it. No party can adapt its secret to
    the population or to the others' secrets, and the server cannot grind: one honest party is enough."""

    parties: tuple[tuple[str, str, str], ...]  # (party, commitment hex, secret hex)

    def __post_init__(self) -> None:
        problems = check_multiparty(self.parties)
        if problems:
            raise ValueError("; ".join(problems))

    def record(self) -> dict[str, Any]:
        return {"kind": "multiparty", "parties": [{"party": p, "commitment": c, "secret": s.lower()}
                                                  for p, c, s in sorted(self.parties)]}

    def value(self) -> bytes:
        return entropy_value(self.record())


def party_commitment(secret: bytes) -> str:
    return sha256_hex(secret)


def check_multiparty(parties: Sequence[tuple[str, str, str]]) -> list[str]:
    problems = []
    names = [p for p, _, _ in parties]
    if len(set(names)) < 2 or len(set(names)) != len(names):
        problems.append("parties")
    for _, commit, secret in parties:
        try:
            raw = bytes.fromhex(secret)
        except ValueError:
            problems.append("secret_hex")
            continue
        if len(raw) < MIN_SECRET_BYTES:
            problems.append("secret_short")
        elif not hmac.compare_digest(party_commitment(raw), commit.lower()):
            problems.append("secret_mismatch")
    return sorted(set(problems))


def entropy_from_record(record: Mapping[str, Any]) -> EntropySource:
    if record.get("kind") == "dice":
        return DiceEntropy(tuple((p["party"], p["digits"]) for p in record["parties"]))
    if record.get("kind") == "beacon":
        return BeaconEntropy(record["source"], record["round"], record["output"])
    if record.get("kind") == "multiparty":
        return MultiPartyEntropy(tuple((p["party"], p["commitment"], p["secret"]) for p in record["parties"]))
    raise ValueError(f"unknown entropy kind {record.get('kind')!r}")


# --- seed and draws ------------------------------------------------------------------------------------------
def derive_seed(server_seed: bytes, entropy: bytes, batch_root: str) -> bytes:
    return hashlib.sha256(server_seed + entropy + bytes.fromhex(batch_root)).digest()


class VerifiableDraws:
    """Every random customs decision of one batch. Implements `kernel.randomness.RandomSource`.

    A draw is bound to its purpose and label (e.g. ``("random", declaration_id)``), never to call order, so the
    same decision is re-derived whatever else the batch contains."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("seed must be 32 bytes")
        self._seed = seed

    def integer(self, purpose: str, label: str) -> int:
        """The 256-bit integer HMAC-SHA256(seed, purpose|label)."""
        return int.from_bytes(hmac.digest(self._seed, f"{purpose}|{label}".encode(), "sha256"), "big")

    def below(self, purpose: str, label: str, p: Fraction) -> bool:
        """Bernoulli(p), exact: h < p · 2^256 ⇔ h · q < n · 2^256 for p = n/q."""
        return self.integer(purpose, label) * p.denominator < p.numerator * TWO_256

    def uniform(self, label: str, purpose: str = "uniform") -> float:
        """A float in [0, 1) for display and statistics; decisions use `below` (exact)."""
        return self.integer(purpose, label) / TWO_256

    def randbelow(self, purpose: str, label: str, n: int) -> int:
        """Uniform in [0, n): counter-mode HMACs ``purpose|label|i`` with rejection of the biased top range."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = TWO_256 - TWO_256 % n
        counter = 0
        while True:
            h = self.integer(purpose, f"{label}|{counter}")
            if h < limit:
                return h % n
            counter += 1

    def choice(self, label: str, options: Sequence[T], purpose: str = "choice") -> T:
        return options[self.randbelow(purpose, label, len(options))]

    def shuffle(self, purpose: str, label: str, items: Sequence[T]) -> list[T]:
        """Fisher–Yates driven by `randbelow` (the i-th swap uses label|i)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.randbelow(purpose, f"{label}|{i}", i + 1)
            out[i], out[j] = out[j], out[i]
        return out


# --- the Rivest sampler (risk.md §4.3) ---------------------------------------------------------------------
def rivest_sample(seed: str, a: int, b: int, n: int, *, with_replacement: bool = False) -> list[int]:
    """i-th pick = a + int(SHA-256(seed + "," + str(i)), 16) mod (b − a + 1); without replacement, duplicates
    are skipped (the counter still advances)."""
    if b < a or (not with_replacement and n > b - a + 1):
        raise ValueError("sample larger than the population")
    picks: list[int] = []
    seen: set[int] = set()
    i = 0
    while len(picks) < n:
        i += 1
        pick = a + int(hashlib.sha256(f"{seed},{i}".encode()).hexdigest(), 16) % (b - a + 1)
        if with_replacement or pick not in seen:
            picks.append(pick)
            seen.add(pick)
    return picks


def stored_draws(row: dict[str, Any]) -> VerifiableDraws:
    """The draws of a drawn batch, from its stored server seed, entropy and root (for draws made after the batch
    draw: re-inspections at report submission, image reviewers)."""
    return VerifiableDraws(derive_seed(bytes.fromhex(row["server_seed"]), entropy_from_record(row["entropy"]).value(),
                                       row["batch_root"]))
