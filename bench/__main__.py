"""Run every benchmark module in bench/ (or those named on the command line) and print the machine facts."""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from pathlib import Path


def machine_facts() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = fh.readline().split(":")[1].strip()
    except OSError:
        pass
    return (f"machine: {platform.machine()} · {os.cpu_count()} cores · memory {mem} · Python "
            f"{platform.python_version()} · {platform.platform()}")


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    print(machine_facts())
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name} ===")
        started = time.perf_counter()
        module.main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
