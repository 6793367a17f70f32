"""Feedback → retrain: the first retrain (no model yet) becomes current; the next one is compared with the current
version on the same held-out set before it is used; the `imaging.analyser` port then serves the current one."""

from __future__ import annotations

from pathlib import Path

from smartcustoms.capabilities.imaging.feedback import retrain_and_compare
from smartcustoms.capabilities.imaging.ports import AnalyserHolder, model_root
from smartcustoms.platform.settings import Settings
from tests.conftest import SHARED
from tests.integration.imaging.helpers import PX, pair


def test_retrain_compares_before_use(sqlite_url: str, tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "data", database_url=sqlite_url, mqtt_url=None,
                        shared_dir=SHARED)
    small = {"n_train": 16, "n_test": 8, "n_val": 6, "rounds": 20, "px_mm": PX}
    promoted, lines = retrain_and_compare(settings, seed=3, **small)  # type: ignore[arg-type]
    assert promoted and lines[0] == "feedback labels used: 0"
    first = (model_root(settings.data_dir) / "current").read_text()
    again, lines = retrain_and_compare(settings, seed=4, **small)  # type: ignore[arg-type]
    assert any(line.startswith("recall_at_2pct") for line in lines)
    current = (model_root(settings.data_dir) / "current").read_text()
    assert (current != first) == again
    holder = AnalyserHolder(model_root(settings.data_dir))
    model = holder.get()
    assert model is not None and model.meta["version"] == current
    from smartcustoms.devices.scanner.codec import decode_gray16

    high, low = (decode_gray16(b) for b in pair(2))
    assert 0 <= model.analyse(high, low, PX, declared="textiles").risk <= 1
