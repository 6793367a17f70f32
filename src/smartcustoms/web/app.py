"""ASGI app factory: routers of every installed capability, static assets, templates, error mapping."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from smartcustoms import __version__
from smartcustoms.platform.http import page_principal, render
from smartcustoms.platform.identity import api as identity_api
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime
from smartcustoms.web import auth, errors

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, start_relay: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_relay:
            runtime.start_relay_thread()
        yield

    app = FastAPI(title="SmartCustoms 智慧海关 API", version=__version__, docs_url="/docs",
                  openapi_url="/api/v1/openapi.json", lifespan=lifespan)
    app.state.runtime = runtime
    loaders = [FileSystemLoader(str(HERE / "templates"))]
    loaders += [FileSystemLoader(str(cap.templates)) for cap in runtime.capabilities if cap.templates]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
    app.state.templates = Jinja2Templates(env=env)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    assets = runtime.settings.assets_dir
    for name, sub in (("htmx", "htmx.org/dist"), ("pico", "@picocss/pico/css")):
        if (assets / sub).is_dir():
            app.mount(f"/assets/{name}", StaticFiles(directory=assets / sub), name=f"assets-{name}")
        else:
            log.warning("front-end assets missing at %s — run `make install`", assets / sub)

    errors.install(app)
    app.include_router(auth.pages)
    app.include_router(auth.api)
    app.include_router(identity_api.router)
    for cap in runtime.capabilities:
        for router in cap.api_routers:
            app.include_router(router, prefix="/api/v1")
        for router in cap.page_routers:
            app.include_router(router)

    @app.get("/", include_in_schema=False)
    def home(request: Request, who: Principal = Depends(page_principal)) -> Response:
        return render(request, "home.html")

    @app.get("/healthz", include_in_schema=False)
    def health(request: Request) -> dict[str, str]:
        from sqlalchemy import text

        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app


def create_app_from_env() -> FastAPI:
    """Used by `smartcustoms serve`: builds the runtime from SMARTCUSTOMS_* settings and, when asked, runs the
    port simulator in a background thread."""
    from smartcustoms.bootstrap import build_runtime

    runtime = build_runtime()
    app = create_app(runtime)
    rate = float(os.environ.get("SMARTCUSTOMS_SIMULATE_RATE", "0") or 0)
    if rate > 0:
        _start_simulators(runtime, rate)
    return app


def _start_simulators(runtime: Runtime, rate: float) -> None:
    ticks = [cap.simulator(runtime, rate) for cap in runtime.capabilities if cap.simulator]
    if not ticks:
        return
    stop = threading.Event()
    runtime.closers.append(stop.set)

    def loop() -> None:
        while not stop.wait(1.0):
            for tick in ticks:
                try:
                    tick()
                except Exception:
                    log.exception("simulator tick failed")

    threading.Thread(target=loop, name="port-simulator", daemon=True).start()
    log.info("port simulator running at %.2f declarations/s", rate)
