"""The web app for bench_declarations, run in its own process (the client must not share its GIL):
``python -m bench.decl_server DATABASE_URL DATA_DIR PORT``. The outbox relay is not started: in production it
is a separate worker process (`smartcustoms worker relay`)."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from smartcustoms.bootstrap import build_runtime
from smartcustoms.platform.settings import Settings
from smartcustoms.web.app import create_app


def main(url: str, data_dir: str, port: int) -> None:
    runtime = build_runtime(Settings(env="dev", data_dir=Path(data_dir), database_url=url, mqtt_url=None),
                            mqtt=False)
    uvicorn.run(create_app(runtime, start_relay=False), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
