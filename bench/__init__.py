"""Benchmarks (`make bench`). Each module defines `main() -> None` that prints what it measured, the baseline
it compared with in the same run, and the ratio. Timing targets live here, never in tests."""
