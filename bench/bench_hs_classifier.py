"""HS classifier: training time, one-item latency (p50/p99, target p99 < 20 ms) and batch throughput (target
> 500 items/s), next to the plain TF-IDF + linear baseline (nomenclature centroids) in the same run."""

from __future__ import annotations

import time

import numpy as np

from smartcustoms.ml.hs_text.data import load_hscodecomp
from smartcustoms.ml.hs_text.evaluation import ZH_CHECK
from smartcustoms.ml.hs_text.text import compose
from smartcustoms.ml.hs_text.training import train
from smartcustoms.platform.settings import Settings


def _latencies(fn, texts: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn(texts[:5])  # warm
    times = []
    for t in texts:
        started = time.perf_counter()
        fn([t])
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def _throughput(fn, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    from smartcustoms.capabilities.classification.evaluation import baseline_model

    shared = Settings().shared_dir
    started = time.perf_counter()
    model, card = train(shared)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline = baseline_model(shared)
    base_train_s = time.perf_counter() - started
    print(f"training: ours {train_s:.1f} s on {card['n_examples']} examples (target < 600 s); "
          f"baseline {base_train_s:.1f} s")

    items = load_hscodecomp(shared / "data" / "hs" / "hscodecomp" / "test_data.jsonl")
    texts = [compose(i.name, i.spec, i.brand, i.use, i.material)[0] for i in items]
    texts += [compose(t)[0] for t, _ in ZH_CHECK]
    single = texts[:400]
    batch = (texts * 2)[:1000]

    def ours(x: list[str]) -> object:
        return model.suggest(x, 3, explain=True)

    def ours_plain(x: list[str]) -> object:
        return model.suggest(x, 3, explain=False)

    def base(x: list[str]) -> object:
        return baseline.rank(x, 3)

    p50, p99 = _latencies(ours, single)
    b50, b99 = _latencies(base, single)
    print(f"one item, with explanation: p50 {p50:.2f} ms, p99 {p99:.2f} ms (target p99 < 20 ms) · "
          f"baseline p50 {b50:.2f} ms, p99 {b99:.2f} ms · ratio p99 ours/baseline {p99 / b99:.2f}")
    for name, fn in (("with explanations", ours), ("codes + confidences only", ours_plain)):
        rate = _throughput(fn, batch)
        base_rate = _throughput(base, batch)
        print(f"batch of {len(batch)}, {name}: {rate:.0f} items/s (target > 500) · baseline {base_rate:.0f} items/s "
              f"· ratio ours/baseline {rate / base_rate:.2f}")


if __name__ == "__main__":
    main()
