"""MQTT bridge (paho-mqtt against Mosquitto): publishes outbox events as JSON on
``{prefix}/events/{topic}`` with QoS 1, waiting for the broker's acknowledgement."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

from smartcustoms.platform.outbox import Message


def parse_url(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"unsupported MQTT URL scheme: {parsed.scheme}")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


class MqttConnection:
    """One connected paho client with its network loop in a background thread."""

    def __init__(self, url: str, client_id: str = "", timeout_s: float = 5.0) -> None:
        host, port = parse_url(url)
        self.timeout_s = timeout_s
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self._connected = threading.Event()
        self.client.on_connect = lambda *_a, **_k: self._connected.set()
        self.client.on_disconnect = lambda *_a, **_k: self._connected.clear()
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(timeout_s):
            self.close()
            raise ConnectionError(f"MQTT broker at {host}:{port} did not accept the connection")

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> None:
        if not self._connected.is_set() and not self._connected.wait(self.timeout_s):
            raise ConnectionError("MQTT connection lost")
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(self.timeout_s)
        if not info.is_published():
            raise ConnectionError(f"MQTT publish to {topic} was not acknowledged")

    def subscribe(self, topic: str, callback: Callable[[str, bytes], None], qos: int = 1) -> None:
        def on_message(_client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
            callback(msg.topic, bytes(msg.payload))

        self.client.message_callback_add(topic, on_message)
        result, _mid = self.client.subscribe(topic, qos=qos)
        if result != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"MQTT subscribe to {topic} failed ({result})")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class MqttEventBridge:
    """An outbox sink: each event goes to the broker; a broker failure raises, so the relay retries it."""

    def __init__(self, connection: MqttConnection, prefix: str) -> None:
        self.connection, self.prefix = connection, prefix.rstrip("/")

    def __call__(self, message: Message) -> None:
        body = json.dumps({"event_id": message.event_id, "topic": message.topic, "payload": message.payload},
                          ensure_ascii=False, sort_keys=True)
        self.connection.publish(f"{self.prefix}/events/{message.topic}", body, qos=1)
