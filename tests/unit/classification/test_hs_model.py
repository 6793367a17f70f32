"""The HS text classifier: estimator contract, ranking, calibration bounds, bad input never crashes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from smartcustoms.capabilities.classification.domain import CONFIRM, CORRECT, code_errors, decision_kind
from smartcustoms.ml.hs_text.evaluation import CentroidBaseline, ranks_from_codes, topk_accuracy
from smartcustoms.ml.hs_text.model import HSTextClassifier
from smartcustoms.ml.hs_text.text import MAX_TEXT_CHARS, compose, normalise

TINY_X = ["laptop computer portable", "notebook computer", "笔记本电脑", "mobile phone smartphone", "手机",
          "cellular telephone", "frozen beef boneless", "冻牛肉", "beef, frozen", "red wine bottle", "红葡萄酒",
          "wine of fresh grapes", "84", "85", "02", "22", "8471", "8517", "0202", "2204"]
TINY_Y = ["847130", "847130", "847130", "851713", "851713", "851713", "020230", "020230", "020230", "220421",
          "220421", "220421", "84", "85", "02", "22", "8471", "8517", "0202", "2204"]


def test_estimator_contract() -> None:
    model = HSTextClassifier(calibration_split=0.0)
    assert clone(model).get_params() == model.get_params()
    assert not [k for k in vars(model) if k.endswith("_")], "nothing learned before fit"
    model.fit(TINY_X, TINY_Y)
    assert list(model.classes_) == ["020230", "220421", "847130", "851713"]
    proba = model.predict_proba(["laptop", "红葡萄酒 750ml"])
    assert proba.shape == (2, 4) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    assert list(model.predict(["notebook computer 14 inch", "冻牛肉 去骨"])) == ["847130", "020230"]
    with pytest.raises(ValueError):
        HSTextClassifier().fit(["x"], ["123"])


def test_neighbour_mixture_keeps_one_consistent_distribution() -> None:
    model = HSTextClassifier(calibration_split=0.0, knn_weight=0.5, knn_k=5).fit(TINY_X, TINY_Y)
    proba = model.predict_proba(["laptop", "手机 华为", "葡萄酒"])
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    assert list(model.predict(["notebook computer", "冻牛肉"])) == ["847130", "020230"]
    top = model.suggest(["mobile phone"], k=2)[0].suggestions[0]
    assert top.code == "851713" and top.confidence <= top.heading_confidence + 1e-6 <= top.chapter_confidence + 2e-6


@pytest.mark.parametrize(("text", "chapter"), [
    ("laptop computer", "84"), ("笔记本电脑 联想 14英寸", "84"), ("smartphone mobile phone", "85"), ("手机 华为", "85"),
    ("液晶显示器 27英寸", "85"), ("一次性注射器", "90"), ("frozen boneless beef", "02")])
def test_ranks_unambiguous_examples(small_model: Any, text: str, chapter: str) -> None:
    chapters, _headings, _subs = small_model.rank([text], 3)[0]
    assert chapter in chapters[:2], (text, chapters)


def test_chinese_seed_examples_top1(small_model: Any) -> None:
    preds = small_model.predict(["笔记本电脑", "手机", "液晶显示器"])
    assert list(preds) == ["847130", "851713", "852852"]


def test_confidences_are_probabilities_in_order_with_explanations(small_model: Any) -> None:
    pred = small_model.suggest(["laptop computer"], k=5)[0]
    confs = [s.confidence for s in pred.suggestions]
    assert len(confs) == 5 and all(0.0 <= c <= 1.0 for c in confs) and confs == sorted(confs, reverse=True)
    top = pred.suggestions[0]
    assert top.confidence <= top.heading_confidence + 1e-6 <= top.chapter_confidence + 2e-6
    assert top.code.startswith(top.heading) and top.heading.startswith(top.chapter)
    assert top.description and top.evidence and pred.neighbours


def test_corrections_are_learned(small_model: Any) -> None:
    assert small_model.predict(["防水冲锋衣 男式 涤纶 风雨衣"])[0] == "620140"


BAD = ["", "   ", "!!!???###", "😀😀😀🎉", "бзхщ кдлжфы пврмн", "a", "x" * 10_000, "\x00\x01\x02",
       "ﷺ" * 50, "12345 67890"]


@pytest.mark.parametrize("text", BAD)
def test_bad_input_gives_a_clear_answer(small_model: Any, text: str) -> None:
    pred = small_model.suggest([text])[0]
    assert pred.needs_detail or pred.suggestions, text
    if pred.suggestions:
        assert all(0.0 <= s.confidence <= 1.0 for s in pred.suggestions)
    if not pred.suggestions:
        assert pred.reasons


def test_unsupported_scripts_and_garbage_need_more_detail(small_model: Any) -> None:
    for text in ["😀😀😀🎉", "бзхщ кдлжфы пврмн", "", "!!!"]:
        pred = small_model.suggest([text])[0]
        assert pred.needs_detail and not pred.suggestions, text


def test_vague_text_is_flagged(small_model: Any) -> None:
    assert small_model.suggest(["10.00, girls"])[0].needs_detail


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200) | st.tuples(st.text(min_size=1, max_size=300), st.integers(30, 200)).map(
    lambda t: (t[0] * t[1])[:10_000]))
def test_arbitrary_text_never_crashes(small_model: Any, text: str) -> None:
    composed, truncated = compose(text, text)
    assert len(composed) <= MAX_TEXT_CHARS
    pred = small_model.suggest([composed], truncated=[truncated])[0]
    assert all(0.0 <= s.confidence <= 1.0 for s in pred.suggestions)


def test_compose_truncates_deliberately_keeping_the_name() -> None:
    text, cut = compose("笔记本电脑", "型号" * 5000)
    assert cut and text.startswith("笔记本电脑 | ") and len(text) <= MAX_TEXT_CHARS
    assert normalise("ＡＢＣ　１２３") == "abc 123"


def test_metrics_and_baseline() -> None:
    base = CentroidBaseline().fit(TINY_X[:12], TINY_Y[:12])
    ranked = base.rank(["laptop", "红葡萄酒"])
    m = topk_accuracy(["847130", "220421"], ranked)
    assert m["chapter_top1"] == 1.0 and m["n"] == 2
    assert ranks_from_codes(["847130", "847150", "851713"]) == (["84", "85"], ["8471", "8517"],
                                                               ["847130", "847150", "851713"])


def test_domain_decisions() -> None:
    assert decision_kind("847130", "8471300000") == CONFIRM
    assert decision_kind("847130", "8471410000") == CORRECT and decision_kind(None, "847130") == CORRECT
    assert code_errors("c", "12", required=True)[0].key == "code.hs.format"
    assert code_errors("c", "", required=True)[0].key == "field.required"
    assert code_errors("c", "8471.30", required=True) == []
