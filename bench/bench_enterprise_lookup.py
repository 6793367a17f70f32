"""Bulk enterprise look-up (used by batch declaration screening): `find_many` for 1,000 codes against the
same-run baseline of 1,000 single `find_by_code` calls, on an embedded SQLite database with 20,000 enterprises
and 2–3 grade records each."""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path


def main() -> None:
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.enterprise import queries
    from smartcustoms.capabilities.enterprise.db import enterprise_credit_grades, enterprises
    from smartcustoms.cli.main import upgrade_database
    from smartcustoms.kernel.codes import uscc_check_character
    from smartcustoms.platform.settings import Settings

    n, asked = 20_000, 1_000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_database(url)
        runtime = build_runtime(Settings(env="test", data_dir=Path(tmp), database_url=url), mqtt=False)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        rows, grades, codes = [], [], []
        for i in range(n):
            first17 = f"9133020{i:010d}"
            eid = str(uuid.uuid4())
            rows.append({"id": eid, "uscc": first17 + uscc_check_character(first17), "customs_code": f"3104{i:06d}",
                         "name_zh": f"企业{i}", "name_en": None, "kind": "trader", "address": None,
                         "registered_customs": "3104", "registered_on": date(2015, 1, 1), "registered_at": now,
                         "updated_at": now})
            for k, grade in enumerate(("general", "general_certified", "advanced_certified")[: 2 + i % 2]):
                grades.append({"enterprise_id": eid, "grade": grade, "effective_from": date(2015 + 3 * k, 1, 1),
                               "reason": "bench", "recorded_by": "bench", "recorded_at": now})
            if i % (n // asked) == 0:
                codes.append(rows[-1]["uscc"] if i % 2 else rows[-1]["customs_code"])
        with runtime.engine.begin() as conn:
            conn.execute(enterprises.insert(), rows)
            conn.execute(enterprise_credit_grades.insert(), grades)
        on = date(2026, 11, 2)
        with runtime.engine.connect() as conn:
            started = time.perf_counter()
            bulk = queries.find_many(conn, codes, on=on)
            bulk_s = time.perf_counter() - started
            started = time.perf_counter()
            single = {c: queries.find_by_code(conn, c, on=on) for c in codes}
            single_s = time.perf_counter() - started
        runtime.close()
    assert len(bulk) == len(codes) and all(bulk[c] == single[c] for c in codes)
    print(f"find_many, {len(codes)} codes of {n} enterprises: {bulk_s * 1000:.1f} ms")
    print(f"baseline, {len(codes)} × find_by_code:            {single_s * 1000:.1f} ms")
    print(f"ratio baseline / find_many: {single_s / bulk_s:.1f}×")
