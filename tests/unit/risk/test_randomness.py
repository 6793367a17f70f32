"""The verifiable-randomness primitives: the risk.md test vector, commitments, Merkle proofs, exact draws."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.capabilities.risk import randomness as R

SEED = bytes(range(32))


def test_rivest_sampler_test_vector_from_risk_md() -> None:
    assert R.rivest_sample("3546311556112163624615351222", 1, 876, 5) == [740, 180, 264, 789, 238]


def test_rivest_sampler_without_replacement_never_repeats() -> None:
    picks = R.rivest_sample("3546311556112163624615351222", 1, 20, 20)
    assert sorted(picks) == list(range(1, 21))


def test_commitment_binds_the_seed() -> None:
    commit = R.commitment(SEED)
    assert commit == hashlib.sha256(SEED).hexdigest()
    assert R.check_commitment(SEED, commit)
    assert not R.check_commitment(bytes(32), commit)


def test_merkle_root_is_order_independent_and_detects_any_change() -> None:
    items = [{"kind": "declaration", "id": f"D{i}", "score": f"0.{i:06d}"} for i in range(7)]
    root = R.merkle_root(items)
    assert R.merkle_root(list(reversed(items))) == root
    changed = [dict(it) for it in items]
    changed[3]["score"] = "0.999999"
    assert R.merkle_root(changed) != root
    assert R.merkle_root(items[:-1]) != root
    with pytest.raises(ValueError):
        R.merkle_root(items + [items[0]])


@given(st.integers(min_value=1, max_value=40), st.data())
@settings(max_examples=40, deadline=None)
def test_inclusion_proofs_verify_against_the_root(n: int, data: st.DataObject) -> None:
    items = [{"kind": "declaration", "id": f"D{i:03d}", "v": i} for i in range(n)]
    root = R.merkle_root(items)
    k = data.draw(st.integers(0, n - 1))
    proof = R.inclusion_proof(items, "declaration", f"D{k:03d}")
    assert R.verify_inclusion(items[k], proof, root)
    assert not R.verify_inclusion({**items[k], "v": -1}, proof, root)


def test_dice_entropy_needs_two_parties_and_24_digits() -> None:
    with pytest.raises(ValueError):
        R.DiceEntropy((("risk_office", "1234567890123456789012345"),))
    with pytest.raises(ValueError):
        R.DiceEntropy((("a", "123"), ("b", "456")))
    with pytest.raises(ValueError):
        R.DiceEntropy((("a", "12345678901x"), ("b", "123456789012")))
    dice = R.DiceEntropy((("risk_office", "123456789012"), ("discipline", "987654321098")))
    assert R.entropy_from_record(dice.record()).value() == dice.value()
    beacon = R.BeaconEntropy("drand:quicknet", "12345", "AB" * 32)
    assert R.entropy_from_record(beacon.record()).value() == beacon.value() != dice.value()


def test_rates_are_exact_decimals_and_floats_are_refused() -> None:
    assert R.rate("0.015") == Fraction(3, 200)
    with pytest.raises(TypeError):
        R.rate(0.015)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        R.rate("1.5")


def test_draws_are_bound_to_purpose_and_label_not_to_call_order() -> None:
    a, b = R.VerifiableDraws(SEED), R.VerifiableDraws(SEED)
    first = [a.integer("random", f"D{i}") for i in range(5)]
    second = [b.integer("random", f"D{i}") for i in reversed(range(5))]
    assert first == list(reversed(second))
    assert a.integer("random", "D1") != a.integer("recheck", "D1")
    assert R.VerifiableDraws(bytes(32)).integer("random", "D1") != a.integer("random", "D1")


def test_bernoulli_is_exact_at_the_edges() -> None:
    d = R.VerifiableDraws(SEED)
    assert all(d.below("x", str(i), Fraction(1)) for i in range(50))
    assert not any(d.below("x", str(i), Fraction(0)) for i in range(50))
    h = d.integer("x", "7")
    assert d.below("x", "7", Fraction(h + 1, R.TWO_256)) and not d.below("x", "7", Fraction(h, R.TWO_256))


def test_randbelow_is_uniform_within_binomial_bounds() -> None:
    d = R.VerifiableDraws(SEED)
    n, trials = 7, 7000
    counts = [0] * n
    for i in range(trials):
        counts[d.randbelow("t", str(i), n)] += 1
    # each count ~ Binomial(7000, 1/7): mean 1000, sd ≈ 29.3; 5 sd bounds
    assert all(850 < c < 1150 for c in counts), counts


def test_shuffle_is_a_permutation_and_choice_picks_an_option() -> None:
    d = R.VerifiableDraws(SEED)
    items = list(range(30))
    shuffled = d.shuffle("s", "batch", items)
    assert sorted(shuffled) == items and shuffled != items
    assert d.choice("c", ["a", "b", "c"]) in {"a", "b", "c"}
    assert d.shuffle("s", "batch", items) == shuffled


def test_seed_mixes_server_seed_entropy_and_root() -> None:
    root = R.merkle_root([{"kind": "x", "id": "1"}])
    base = R.derive_seed(SEED, b"e", root)
    assert R.derive_seed(bytes(32), b"e", root) != base
    assert R.derive_seed(SEED, b"f", root) != base
    assert R.derive_seed(SEED, b"e", R.merkle_root([{"kind": "x", "id": "2"}])) != base


def test_multi_party_secrets_must_match_their_commitments() -> None:
    a, b = bytes(range(16)), bytes(range(16, 48))
    ok = R.MultiPartyEntropy((("risk_office", R.party_commitment(a), a.hex()),
                              ("discipline", R.party_commitment(b), b.hex())))
    assert R.entropy_from_record(ok.record()).value() == ok.value()
    assert [p["party"] for p in ok.record()["parties"]] == ["discipline", "risk_office"]
    assert R.check_multiparty([("x", R.party_commitment(a), b.hex()), ("y", R.party_commitment(b), b.hex())]) == [
        "secret_mismatch"]
    assert R.check_multiparty([("x", R.party_commitment(a), "00ff"), ("x", "", "zz")]) == [
        "parties", "secret_hex", "secret_short"]
    with pytest.raises(ValueError):
        R.MultiPartyEntropy((("solo", R.party_commitment(a), a.hex()),))
