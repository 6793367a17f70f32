"""The synthetic trade set, the features (no label leaks), the model artefact and the evaluation harness —
kept tiny: the full-size run is `smartcustoms risk evaluate` and bench/bench_risk.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smartcustoms.capabilities.risk.evaluation import format_report, run_evaluation, split, train_and_save
from smartcustoms.ml.risk import artefact
from smartcustoms.ml.risk.features import FEATURES, FeatureBuilder
from smartcustoms.ml.risk.metrics import at_mask, ranking_metrics, top_k_mask, upper_bounds
from smartcustoms.ml.risk.model import RiskModel
from smartcustoms.ml.risk.synthetic import generate

ROWS, MONTHS, TEST = 9000, 8, 2


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return generate(ROWS, MONTHS, seed=3)


def test_the_generator_is_deterministic_and_plants_every_fraud_type(data) -> None:  # type: ignore[no-untyped-def]
    again = generate(ROWS, MONTHS, seed=3)
    assert all(np.array_equal(data[k], again[k]) for k in data.columns)
    assert not np.array_equal(generate(ROWS, MONTHS, seed=4)["cif"], data["cif"])
    assert 0.02 < data["illicit"].mean() < 0.12
    assert set(np.unique(data["fraud_type"][data["illicit"] == 1])) == {1, 2, 3, 4}
    assert (data["revenue"][data["illicit"] == 0] == 0).all() and (data["revenue"][data["illicit"] == 1] > 0).all()
    assert (np.diff(data["day"]) >= 0).all()


def test_test_rows_features_do_not_depend_on_their_own_labels(data) -> None:  # type: ignore[no-untyped-def]
    train, test = split(data, TEST)
    fb = FeatureBuilder().fit(train)
    x = fb.transform(test)
    flipped = test.with_labels(1 - test["illicit"], test["revenue"][::-1].copy())
    assert np.array_equal(fb.transform(flipped), x, equal_nan=True)
    assert x.shape == (len(test), len(FEATURES))


def test_training_profiles_only_use_earlier_months(data) -> None:  # type: ignore[no-untyped-def]
    train, _ = split(data, TEST)
    base = FeatureBuilder().fit(train).transform(train)
    m = 3
    late = train["month"] >= m
    relabelled = train.with_labels(np.where(late, 1 - train["illicit"], train["illicit"]),
                                   np.where(late, 0.0, train["revenue"]))
    again = FeatureBuilder().fit(relabelled).transform(relabelled)
    early = train["month"] <= m  # rows of month m see months < m: unchanged
    assert np.array_equal(base[early], again[early], equal_nan=True)
    assert not np.array_equal(base[~early], again[~early], equal_nan=True)


def test_shuffled_labels_collapse_the_model_to_random() -> None:
    """If a feature leaked the planted labels, the model would still rank well after the training labels were
    shuffled. It does not: precision and revenue fall to the random level."""
    real = run_evaluation(rows=12_000, months=MONTHS, seed=5, test_months=TEST, n_estimators=60)
    shuffled = run_evaluation(rows=12_000, months=MONTHS, seed=5, test_months=TEST, n_estimators=60,
                              shuffle_labels=True)
    base = real.base_rate
    for r in (real, shuffled):
        assert r.base_rate == base
    ours = "our model, P(illicit)"
    assert real.methods[ours][5]["precision"] > 4 * base
    assert shuffled.methods[ours][5]["precision"] < 2 * base
    assert shuffled.auc[ours] < 0.6 < 0.8 < real.auc[ours]
    assert shuffled.methods["our model, expected revenue"][5]["revenue"] < 0.2
    text = format_report(real)
    for name in ("random", "plain GBM", "our model", "full policy", "oracle", "target 1", "target 2"):
        assert name in text


def test_artefact_round_trip_gives_the_same_scores(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    folder, card = train_and_save(tmp_path, rows=ROWS, months=MONTHS, seed=3, test_months=TEST,
                                  trained_at="2026-11-02T01:30:00+00:00", n_estimators=40)
    model, meta = artefact.load(folder)
    _, test = split(data, TEST)
    fresh = RiskModel(3, 40).fit(split(data, TEST)[0])
    assert np.allclose(model.score(test), fresh.score(test))
    assert meta["version"] == folder.name and folder.name.startswith("risk-")
    assert "Model card" in card and meta["version"] in card and "synthetic" in card
    reasons = model.top_reasons(test.take(np.arange(len(test)) < 3))
    assert len(reasons) == 3 and all(name in FEATURES for name, _ in reasons[0])
    again, _ = train_and_save(tmp_path, rows=ROWS, months=MONTHS, seed=3, test_months=TEST,
                              trained_at="2026-11-03T01:30:00+00:00", n_estimators=40)
    assert again.name == folder.name  # same data and seed → same version


def test_metrics_follow_the_definitions() -> None:
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    rev = np.array([10.0, 0, 30, 0, 0, 0, 0, 0, 0, 60])
    score = np.arange(10, 0, -1, dtype=float)
    mask = top_k_mask(score, 2)
    assert mask.tolist() == [True, True] + [False] * 8
    m = at_mask(mask, y, rev)
    assert m == {"precision": 0.5, "recall": 1 / 3, "revenue": 0.1, "inspected": 0.2}
    assert ranking_metrics(score, y, rev, ns=(10,))[10]["precision"] == 1.0
    assert upper_bounds(y, rev, ns=(10,))[10]["revenue"] == 0.6


def test_the_evaluate_command_prints_the_side_by_side_table() -> None:
    from typer.testing import CliRunner

    from smartcustoms.capabilities.risk.cli import app

    out = CliRunner().invoke(app, ["evaluate", "--rows", "6000", "--months", "6", "--test-months", "2",
                                   "--trees", "40"])
    assert out.exit_code == 0, out.output
    for n in (1, 2, 5, 10):
        assert f"Rev@{n}%" in out.output
    assert "full policy" in out.output and "target 2" in out.output
