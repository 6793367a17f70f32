"""Events leave only after commit, through the outbox; the MQTT bridge publishes them to the real broker;
a failing destination is retried and stays visible."""

from __future__ import annotations

import json
import queue
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from smartcustoms.platform import outbox
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.events import Event
from smartcustoms.platform.mqtt import MqttConnection, MqttEventBridge
from smartcustoms.platform.outbox import Relay


@dataclass(frozen=True)
class ThingHappened(Event):
    topic = "demo/thing_happened"
    thing_id: str
    amount: str


def _emit(runtime: Any, thing_id: str, commit: bool = True) -> None:
    with runtime.uow(Actor.system()) as uow:
        uow.emit(ThingHappened(thing_id, "10.50"))
        if commit:
            uow.commit()


def test_nothing_leaves_without_commit(runtime: Any) -> None:
    _emit(runtime, "T1", commit=False)
    with runtime.engine.connect() as conn:
        assert outbox.pending(conn) == []


def test_relay_delivers_to_the_bus_once(runtime: Any) -> None:
    seen: list[str] = []
    runtime.bus.subscribe(ThingHappened.topic, lambda m: seen.append(m.payload["thing_id"]))
    _emit(runtime, "T1")
    _emit(runtime, "T2")
    assert runtime.relay.drain() == 2
    assert runtime.relay.drain() == 0
    assert seen == ["T1", "T2"]


def test_a_failing_destination_is_retried_and_stays_visible(runtime: Any) -> None:
    attempts: list[str] = []

    def flaky(message: outbox.Message) -> None:
        attempts.append(message.event_id)
        if len(attempts) == 1:
            raise ConnectionError("broker down")

    relay = Relay(runtime.engine, runtime.clock, [flaky])
    _emit(runtime, "T1")
    assert relay.relay_once() == 0
    with runtime.engine.connect() as conn:
        [row] = outbox.pending(conn)
    assert row["attempts"] == 1 and "broker down" in row["last_error"]
    runtime.clock.advance(seconds=5)  # past the back-off
    assert relay.relay_once() == 1
    with runtime.engine.connect() as conn:
        assert outbox.pending(conn) == []
    assert len(attempts) == 2


@pytest.mark.mqtt
def test_events_reach_the_real_mosquitto_broker(runtime: Any, mqtt_url: str) -> None:
    prefix = f"sc-test-{uuid.uuid4().hex[:8]}"
    received: queue.Queue[tuple[str, bytes]] = queue.Queue()
    listener = MqttConnection(mqtt_url)
    publisher = MqttConnection(mqtt_url)
    try:
        listener.subscribe(f"{prefix}/events/#", lambda topic, payload: received.put((topic, payload)))
        import time

        time.sleep(0.3)  # let the subscription settle at the broker
        relay = Relay(runtime.engine, runtime.clock, [MqttEventBridge(publisher, prefix)])
        _emit(runtime, "T42")
        assert relay.drain() == 1
        topic, payload = received.get(timeout=5)
    finally:
        listener.close()
        publisher.close()
    body = json.loads(payload)
    assert topic == f"{prefix}/events/demo/thing_happened"
    assert body["payload"] == {"thing_id": "T42", "amount": "10.50"}
    assert len(body["event_id"]) == 36
