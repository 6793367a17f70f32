"""Composition root (组装): the list of installed capabilities and the one function that builds the runtime."""

from __future__ import annotations

import importlib
import logging

from smartcustoms.kernel.timeutil import Clock, SystemClock
from smartcustoms.platform.blobs import BlobStore
from smartcustoms.platform.bus import MessageBus
from smartcustoms.platform.capability import Capability
from smartcustoms.platform.db import make_engine
from smartcustoms.platform.i18n import PLATFORM_MESSAGES, Translator
from smartcustoms.platform.identity.messages import MESSAGES as IDENTITY_MESSAGES
from smartcustoms.platform.outbox import Relay, Sink
from smartcustoms.platform.runtime import Runtime
from smartcustoms.platform.settings import Settings

log = logging.getLogger(__name__)

INSTALLED: tuple[str, ...] = (
    "reference",
    "enterprise",
    "declarations",
    "risk",
    "inspection",
    "transit",
    "classification",
    "imaging",
)
"""Installed capabilities, in dependency order. Each is `smartcustoms.capabilities.<name>.wiring.capability`."""


def load_capabilities(names: tuple[str, ...] = INSTALLED) -> list[Capability]:
    caps = []
    for name in names:
        module = importlib.import_module(f"smartcustoms.capabilities.{name}.wiring")
        cap: Capability = module.capability
        missing = [d for d in cap.depends_on if d not in names[: names.index(name)]]
        if missing:
            raise RuntimeError(f"capability {name} depends on {missing}, which must be installed before it")
        caps.append(cap)
    return caps


def import_tables() -> None:
    """Import every table module so the shared MetaData is complete (for Alembic and create_all)."""
    import smartcustoms.platform.audit
    import smartcustoms.platform.identity.tables
    import smartcustoms.platform.outbox  # noqa: F401

    for name in INSTALLED:
        try:
            importlib.import_module(f"smartcustoms.capabilities.{name}.db")
        except ModuleNotFoundError as exc:
            if exc.name != f"smartcustoms.capabilities.{name}.db":
                raise


def build_runtime(settings: Settings | None = None, *, clock: Clock | None = None, mqtt: bool = True) -> Runtime:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    import_tables()
    capabilities = load_capabilities()
    translator = Translator()
    translator.add(PLATFORM_MESSAGES)
    translator.add(IDENTITY_MESSAGES)
    for cap in capabilities:
        translator.add(cap.messages)
    runtime = Runtime(settings=settings, engine=make_engine(settings.effective_database_url),
                      clock=clock or SystemClock(), blobs=BlobStore(settings.blob_dir), bus=MessageBus(),
                      translator=translator, capabilities=capabilities)
    for cap in capabilities:
        if cap.provides:
            runtime.ports.update(cap.provides(runtime))
        if cap.handlers:
            for topic, handlers in cap.handlers(runtime).items():
                for handler in handlers:
                    runtime.bus.subscribe(topic, handler)
    sinks: list[Sink] = [runtime.bus]
    if mqtt and settings.mqtt_url:
        from smartcustoms.platform.mqtt import MqttConnection, MqttEventBridge

        try:
            connection = MqttConnection(settings.mqtt_url, client_id="")
        except (OSError, ConnectionError) as exc:
            log.warning("MQTT broker unreachable (%s); events stay in the outbox until it is back", exc)
            sinks.append(_unreachable(settings.mqtt_url))
        else:
            runtime.closers.append(connection.close)
            sinks.append(MqttEventBridge(connection, settings.mqtt_topic_prefix))
    runtime.relay = Relay(runtime.engine, runtime.clock, sinks)
    return runtime


def _unreachable(url: str) -> Sink:
    def sink(_message: object) -> None:
        raise ConnectionError(f"MQTT broker {url} unreachable at start-up")

    return sink
