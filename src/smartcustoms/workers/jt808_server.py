"""JT/T 808 TCP server (asyncio): registration → auth code (0x0100/0x8100), authentication (0x0102), heartbeat
(0x0002), location reports (0x0200) and blind-area batches (0x0704), all answered with 0x8001.

Readings from every connection are gathered into batches (by size or after `max_delay_s`) and handed to the
transit ingest pipeline in a worker thread; a location report is acknowledged only after its batch is committed
(result 0), or with result 1 when the batch failed, so the terminal re-sends it — and insert-or-ignore makes the
re-send harmless. Bad frames are counted and dropped by the splitter; no input closes a connection except
silence longer than `idle_timeout_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from smartcustoms.devices.jt808 import messages as m
from smartcustoms.devices.jt808.frame import Frame, FrameError, Header, encode_frame
from smartcustoms.devices.jt808.stream import FrameSplitter
from smartcustoms.devices.reading import Reading

log = logging.getLogger(__name__)


@dataclass
class ServerStats:
    connections: int = 0
    max_connections: int = 0
    accepted: int = 0
    frames: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    readings: int = 0
    batches: int = 0
    failed_batches: int = 0
    registered: int = 0
    authenticated: int = 0
    auth_failures: int = 0
    unauthenticated_reports: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Batcher:
    """Many connections submit readings; one flusher commits them in batches off the event loop."""

    def __init__(self, ingest: Callable[[list[Reading]], Any], *, max_batch: int = 2000, max_delay_s: float = 0.05,
                 stats: ServerStats | None = None) -> None:
        self.ingest, self.max_batch, self.max_delay_s = ingest, max_batch, max_delay_s
        self.stats = stats or ServerStats()
        self._pending: list[tuple[list[Reading], asyncio.Future[bool]]] = []
        self._count = 0
        self._full = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jt808-ingest")

    async def submit(self, readings: list[Reading]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((readings, future))
        self._count += len(readings)
        if self._count >= self.max_batch:
            self._full.set()
        return await future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.max_delay_s)
            self._full.clear()
            if not self._pending:
                continue
            pending, self._pending, self._count = self._pending, [], 0
            batch = [r for readings, _ in pending for r in readings]
            try:
                await loop.run_in_executor(self._executor, self.ingest, batch)
                ok = True
                self.stats.batches += 1
            except Exception:
                log.exception("ingest of a batch of %d readings failed; terminals will re-send", len(batch))
                ok = False
                self.stats.failed_batches += 1
            for _, future in pending:
                if not future.done():
                    future.set_result(ok)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def auth_code_for(secret: bytes, phone: str) -> str:
    return hmac.new(secret, phone.encode(), hashlib.sha256).hexdigest()[:16]


class Jt808Server:
    def __init__(self, ingest: Callable[[list[Reading]], Any], *, secret: bytes,
                 register: Callable[[str, m.Register, str], Any] | None = None, require_auth: bool = True,
                 idle_timeout_s: float = 180.0, max_batch: int = 2000, max_delay_s: float = 0.05) -> None:
        self.stats = ServerStats()
        self.batcher = Batcher(ingest, max_batch=max_batch, max_delay_s=max_delay_s, stats=self.stats)
        self.secret, self.register, self.require_auth = secret, register, require_auth
        self.idle_timeout_s = idle_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jt808-register")
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 6808, backlog: int = 4096) -> int:
        self._server = await asyncio.start_server(self._handle, host, port, backlog=backlog, limit=65536)
        self._tasks.append(asyncio.create_task(self.batcher.run()))
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        for writer in list(self._writers):
            writer.close()
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if handlers:
            await asyncio.wait(handlers, timeout=2)
        self.batcher.close()
        self._executor.shutdown(wait=False)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        self.stats.accepted += 1
        self.stats.max_connections = max(self.stats.max_connections, self.stats.connections)
        splitter = FrameSplitter()
        session: dict[str, Any] = {"authenticated": not self.require_auth, "seq": 0, "phone": None}
        self._writers.add(writer)
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(4096), self.idle_timeout_s)
                except TimeoutError:
                    break
                if not data:
                    break
                before = splitter.stats.dropped_total
                frames = splitter.feed(data)
                if splitter.stats.dropped_total != before:
                    for kind, n in splitter.stats.dropped.items():
                        self.stats.dropped[kind] = self.stats.dropped.get(kind, 0) + n
                    splitter.stats.dropped.clear()
                for frame in frames:
                    self.stats.frames += 1
                    try:
                        await self._dispatch(frame, session, writer)
                    except FrameError as exc:
                        self.stats.dropped[f"body:{exc.kind}"] = self.stats.dropped.get(f"body:{exc.kind}", 0) + 1
                        self._reply(writer, session, frame.header, m.PLATFORM_ACK,
                                    m.encode_general_ack(frame.header.seq, frame.header.msg_id, m.ACK_BAD))
                    except Exception:  # never let one message kill the connection
                        log.exception("JT/T 808 message 0x%04X from %s failed", frame.header.msg_id,
                                      frame.header.phone)
                        self.stats.dropped["error"] = self.stats.dropped.get("error", 0) + 1
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.stats.connections -= 1
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _reply(self, writer: asyncio.StreamWriter, session: dict[str, Any], to: Header, msg_id: int,
               body: bytes) -> None:
        session["seq"] = (session["seq"] + 1) & 0xFFFF
        writer.write(encode_frame(Header(msg_id, to.phone, session["seq"], version=to.version), body))

    async def _dispatch(self, frame: Frame, session: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        h = frame.header
        v2019 = h.is_2019
        if h.msg_id == m.REGISTER:
            reg = m.decode_register(frame.body, v2019=v2019)
            code = auth_code_for(self.secret, h.phone)
            if self.register is not None:
                await asyncio.get_running_loop().run_in_executor(self._executor, self.register, h.phone, reg, code)
            self.stats.registered += 1
            self._reply(writer, session, h, m.REGISTER_ACK, m.encode_register_ack(h.seq, m.REG_OK, code))
        elif h.msg_id == m.AUTHENTICATE:
            code = m.decode_authenticate(frame.body, v2019=v2019)
            ok = hmac.compare_digest(code, auth_code_for(self.secret, h.phone))
            if ok:
                session["authenticated"], session["phone"] = True, h.phone
                self.stats.authenticated += 1
            else:
                self.stats.auth_failures += 1
            self._reply(writer, session, h, m.PLATFORM_ACK,
                        m.encode_general_ack(h.seq, h.msg_id, m.ACK_OK if ok else m.ACK_FAIL))
        elif h.msg_id in (m.HEARTBEAT, m.LOGOUT, m.TERMINAL_ACK):
            if h.msg_id != m.TERMINAL_ACK:
                self._reply(writer, session, h, m.PLATFORM_ACK, m.encode_general_ack(h.seq, h.msg_id, m.ACK_OK))
        elif h.msg_id in (m.LOCATION, m.BATCH_LOCATION):
            if not session["authenticated"] or (session["phone"] not in (None, h.phone)):
                self.stats.unauthenticated_reports += 1
                self._reply(writer, session, h, m.PLATFORM_ACK, m.encode_general_ack(h.seq, h.msg_id, m.ACK_FAIL))
                return
            if h.msg_id == m.LOCATION:
                readings = [m.to_reading(h.phone, h.seq, m.decode_location(frame.body))]
            else:
                _kind, locations = m.decode_batch(frame.body)
                # blind-area items share the frame's sequence number; their device times tell them apart
                readings = [m.to_reading(h.phone, h.seq, loc) for loc in locations]
            self.stats.readings += len(readings)
            ok = await self.batcher.submit(readings)
            self._reply(writer, session, h, m.PLATFORM_ACK,
                        m.encode_general_ack(h.seq, h.msg_id, m.ACK_OK if ok else m.ACK_FAIL))
        else:
            self._reply(writer, session, h, m.PLATFORM_ACK, m.encode_general_ack(h.seq, h.msg_id, m.ACK_UNSUPPORTED))


def pipeline_ingest(runtime: Any) -> tuple[Callable[[list[Reading]], Any], Callable[[str, m.Register, str], Any]]:
    """The runtime-bound callbacks: readings into the transit pipeline, registrations into the device table."""
    from smartcustoms.capabilities.transit.ingest import Pipeline, register_device

    pipeline = Pipeline(runtime)
    pipeline.warm()

    def register(phone: str, reg: m.Register, code: str) -> None:
        register_device(runtime, phone, "jt808", plate=reg.plate or None, terminal_id=reg.terminal_id or None,
                        auth_code=code)

    return pipeline.ingest, register


class ServerThread:
    """Runs a `Jt808Server` on its own event loop in a background thread (tests, `make run`, the bench)."""

    def __init__(self, server: Jt808Server, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server, self.host, self.port = server, host, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jt808-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.port = self._loop.run_until_complete(self.server.start(self.host, self.port))
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("JT/T 808 server did not start")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def serve_forever(runtime: Any, host: str, port: int) -> None:
    """`smartcustoms transit jt808-server`: serve until interrupted."""
    from smartcustoms.capabilities.transit.ingest import Pipeline

    ingest, register = pipeline_ingest(runtime)
    server = Jt808Server(ingest, secret=runtime.settings.secret_key.encode(), register=register)
    sweeper = Pipeline(runtime)

    async def main() -> None:
        bound = await server.start(host, port)
        log.info("JT/T 808 server on %s:%d", host, bound)
        loop = asyncio.get_running_loop()
        try:
            while True:
                await asyncio.sleep(30)
                try:  # signal lost / time limit: raised from silence, idempotent across processes
                    await loop.run_in_executor(None, sweeper.sweep)
                except Exception:
                    log.exception("transit sweep failed")
                log.info("jt808 %s", server.stats.as_dict())
        finally:
            await server.stop()

    asyncio.run(main())
