#!/usr/bin/env python3
"""Interop scenario for a stdio MCP tools server, driven by the official Python SDK.

    python interop_client.py [--mode auto|legacy|2026-07-28] [options] -- SERVER_CMD ARGS...

Runs under either SDK line (the venvs made by scripts/pyenv):
- mcp 2.x: `mcp.Client` with mode auto (probe `server/discover`, fall back to `initialize`),
  legacy (handshake only) or 2026-07-28 (adopt the modern era without any probe).
- mcp 1.x: `ClientSession` over `stdio_client`; handshake only, so only `--mode legacy`.

Prints one JSON object per check on stdout and exits 1 if any check failed (2 on a usage
error). The server's stderr passes through to ours. Every step has a deadline, so a server
that hangs fails the run instead of stalling CI.

Checks: connect, list_tools, call_echo, progress, cancel, after_cancel, unknown_tool,
listen (2026-07-28 connections of mcp 2.x only), wire_shape.

The transport is tapped (see `tapped`) so the checks can see what the SDK hides: which
request ids went out, whether `notifications/cancelled` was really written, and whether the
server stayed silent about a cancelled request.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import version as dist_version
from typing import Any

import anyio

SDK_VERSION = dist_version("mcp")
SDK_MAJOR = int(SDK_VERSION.split(".")[0])

MODERN_VERSIONS = ("2026-07-28",)
INVALID_PARAMS = -32602
# How each SDK line reports its own read timeout: 2.x REQUEST_TIMEOUT, 1.x the HTTP status 408.
SDK_TIMEOUT_CODES = (-32001, 408)
# Result keys that belong to the 2026-07-28 era only; a handshake-era response carrying them
# is outside the negotiated contract (MCP_REVISIONS.md: some clients reject unknown keys).
MODERN_ONLY_RESULT_KEYS = ("resultType", "ttlMs", "cacheScope")

DEFAULT_TEXT = 'héllo, wörld ✓ "quoted" \\ tab\tend'  # non-ASCII and escapes test the framing


# --------------------------------------------------------------------------------------
# Results and failures
# --------------------------------------------------------------------------------------


class CheckFailed(Exception):
    """A check's expectation did not hold; `detail` goes into the report line."""

    def __init__(self, reason: str, /, **detail: Any) -> None:
        super().__init__(reason)
        self.detail = detail


class CheckSkipped(Exception):
    """The check does not apply to this SDK, mode or negotiated era."""


class RpcError(Exception):
    """A JSON-RPC error response, normalised across SDK lines (McpError / MCPError)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data


def _unwrap(exc: BaseException) -> BaseException:
    """Reduce single-member exception groups (anyio task groups wrap errors in them)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _as_rpc_error(exc: BaseException) -> RpcError | None:
    error = getattr(exc, "error", None)  # McpError (1.x) and MCPError (2.x) both carry ErrorData
    if error is not None and hasattr(error, "code"):
        return RpcError(error.code, error.message, getattr(error, "data", None))
    return None


# --------------------------------------------------------------------------------------
# Wire tap
# --------------------------------------------------------------------------------------


@dataclass
class WireEvent:
    t: float  # seconds since the tap started
    direction: str  # "c2s" or "s2c"
    msg: dict[str, Any]  # the JSON-RPC message as it is on the wire; {"exception": ...} for a parse error

    @property
    def method(self) -> str | None:
        return self.msg.get("method")

    @property
    def is_response(self) -> bool:
        return "method" not in self.msg and "id" in self.msg


@dataclass
class Wire:
    """Every message the SDK exchanged with the server, in order."""

    start: float = field(default_factory=time.monotonic)
    events: list[WireEvent] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.start

    def record(self, direction: str, item: Any) -> None:
        if isinstance(item, Exception):
            msg: dict[str, Any] = {"exception": f"{type(item).__name__}: {item}"}
        else:
            message = item.message
            message = getattr(message, "root", message)  # 1.x wraps messages in a RootModel
            msg = message.model_dump(by_alias=True, mode="json", exclude_none=True)
        self.events.append(WireEvent(self.now(), direction, msg))

    def find(self, pred: Callable[[WireEvent], bool], since: float = -1.0) -> list[WireEvent]:
        return [e for e in self.events if e.t >= since and pred(e)]

    async def wait_for(
        self, pred: Callable[[WireEvent], bool], timeout: float, since: float = -1.0
    ) -> WireEvent | None:
        # Polling keeps the tap free of any coupling to the checks; 10 ms is plenty here.
        with anyio.move_on_after(timeout):
            while True:
                if found := self.find(pred, since):
                    return found[0]
                await anyio.sleep(0.01)
        return None


@asynccontextmanager
async def tapped(transport: Any, wire: Wire) -> AsyncIterator[tuple[Any, Any]]:
    """Wrap an SDK stdio transport (an async CM yielding (read, write) streams) with a recorder.

    Both SDK lines exchange `SessionMessage` objects over anyio memory streams, so one tap
    works for both; the relay adds a hop but changes no message.
    """
    async with transport as (read_stream, write_stream):
        in_send, in_recv = anyio.create_memory_object_stream(0)
        out_send, out_recv = anyio.create_memory_object_stream(0)
        out_done = anyio.Event()

        async def server_to_client() -> None:
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                async with in_send:
                    async for item in read_stream:
                        wire.record("s2c", item)
                        await in_send.send(item)

        async def client_to_server() -> None:
            try:
                with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                    async with out_recv:
                        async for item in out_recv:
                            wire.record("c2s", item)
                            await write_stream.send(item)
            finally:
                out_done.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(server_to_client)
            tg.start_soon(client_to_server)
            try:
                yield in_recv, out_send
            finally:
                # Let writes the session queued on its way out (e.g. a courtesy cancel) reach
                # the server before the transport closes stdin.
                with anyio.move_on_after(1.0, shield=True):
                    await out_done.wait()
                tg.cancel_scope.cancel()


# --------------------------------------------------------------------------------------
# SDK adapters: one small surface over both SDK lines
# --------------------------------------------------------------------------------------

ProgressFn = Callable[[float, "float | None", "str | None"], Awaitable[None]]


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


class SdkV2:
    """mcp 2.x: the high-level `mcp.Client` (the API hosts are expected to use)."""

    sends_cancel_itself = True

    def __init__(self, opts: argparse.Namespace, wire: Wire) -> None:
        self.opts = opts
        self.wire = wire
        self.client: Any = None

    @asynccontextmanager
    async def connect(self, command: list[str]) -> AsyncIterator[None]:
        from mcp import Client, Implementation, StdioServerParameters
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(
            command=command[0], args=command[1:], env=_server_env(self.opts), cwd=self.opts.cwd
        )
        client = Client(
            tapped(stdio_client(params), self.wire),
            mode=self.opts.mode,
            read_timeout_seconds=self.opts.step_timeout,
            client_info=Implementation(name="toolhost-interop", version=SDK_VERSION),
        )
        async with client:
            self.client = client
            yield

    def connection_info(self) -> dict[str, Any]:
        session = self.client.session
        info = self.client.server_info
        return {
            "protocolVersion": self.client.protocol_version,
            "era": "modern" if self.client.protocol_version in MODERN_VERSIONS else "handshake",
            "serverInfo": _dump(info) if info is not None else None,
            # A pinned version adopts a synthesized discover result without any wire traffic.
            "via": "initialize"
            if session.discover_result is None
            else ("server/discover" if self.opts.mode == "auto" else "pinned (no probe)"),
            "capabilities": _dump(self.client.server_capabilities),
        }

    @property
    def is_modern(self) -> bool:
        return self.client.protocol_version in MODERN_VERSIONS

    async def list_tools(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor = None
        for _ in range(50):  # a paginator that never ends must not hang the run
            # bypass: the 2.x client caches listings for ttlMs; the check wants the wire.
            page = await self._rpc(self.client.list_tools(cursor=cursor, cache_mode="bypass"))
            tools += [_dump(t) for t in page.tools]
            cursor = page.next_cursor
            if cursor is None:
                break
        return tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], progress: ProgressFn | None = None
    ) -> dict[str, Any]:
        result = await self._rpc(self.client.call_tool(name, arguments, progress_callback=progress))
        return _dump(result)

    async def send_cancel(self, request_id: Any, reason: str) -> None:
        raise AssertionError("mcp 2.x sends notifications/cancelled itself")

    async def list_prompts(self) -> list[dict[str, Any]]:
        page = await self._rpc(self.client.list_prompts(cache_mode="bypass"))
        return [_dump(p) for p in page.prompts]

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> dict[str, Any]:
        return _dump(await self._rpc(self.client.get_prompt(name, arguments)))

    async def list_resources(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        resources = await self._rpc(self.client.list_resources(cache_mode="bypass"))
        templates = await self._rpc(self.client.list_resource_templates(cache_mode="bypass"))
        return [_dump(r) for r in resources.resources], [_dump(t) for t in templates.resource_templates]

    async def read_resource(self, uri: str) -> dict[str, Any]:
        return _dump(await self._rpc(self.client.read_resource(uri, cache_mode="bypass")))

    async def complete(self, ref: Any, argument: dict[str, str]) -> dict[str, Any]:
        return _dump(await self._rpc(self.client.complete(ref, argument)))

    @asynccontextmanager
    async def listen_tools(self) -> AsyncIterator[dict[str, Any]]:
        async with self.client.listen(tools_list_changed=True) as sub:
            yield {"subscriptionId": sub.subscription_id, "honored": _dump(sub.honored)}

    @staticmethod
    async def _rpc(awaitable: Awaitable[Any]) -> Any:
        from mcp import MCPError

        try:
            return await awaitable
        except MCPError as e:
            raise _as_rpc_error(e) from e


class SdkV1:
    """mcp 1.x: `ClientSession` over `stdio_client` (handshake era only, no modes)."""

    # 1.x abandons a cancelled request silently; a host built on it sends the notification
    # itself, and so does this script (see check_cancel).
    sends_cancel_itself = False
    is_modern = False

    def __init__(self, opts: argparse.Namespace, wire: Wire) -> None:
        self.opts = opts
        self.wire = wire
        self.session: Any = None
        self.init: Any = None

    @asynccontextmanager
    async def connect(self, command: list[str]) -> AsyncIterator[None]:
        from mcp import ClientSession, StdioServerParameters, types
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(
            command=command[0], args=command[1:], env=_server_env(self.opts), cwd=self.opts.cwd
        )
        async with tapped(stdio_client(params), self.wire) as (read_stream, write_stream):
            async with ClientSession(
                read_stream,
                write_stream,
                read_timeout_seconds=timedelta(seconds=self.opts.step_timeout),
                client_info=types.Implementation(name="toolhost-interop", version=SDK_VERSION),
            ) as session:
                self.init = await self._rpc(session.initialize())
                self.session = session
                yield

    def connection_info(self) -> dict[str, Any]:
        return {
            "protocolVersion": self.init.protocolVersion,
            "era": "handshake",
            "serverInfo": _dump(self.init.serverInfo),
            "via": "initialize",
            "capabilities": _dump(self.init.capabilities),
        }

    async def list_tools(self) -> list[dict[str, Any]]:
        from mcp import types

        tools: list[dict[str, Any]] = []
        cursor = None
        for _ in range(50):
            page = await self._rpc(self.session.list_tools(params=types.PaginatedRequestParams(cursor=cursor)))
            tools += [_dump(t) for t in page.tools]
            cursor = page.nextCursor
            if cursor is None:
                break
        return tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], progress: ProgressFn | None = None
    ) -> dict[str, Any]:
        result = await self._rpc(self.session.call_tool(name, arguments, progress_callback=progress))
        return _dump(result)

    async def send_cancel(self, request_id: Any, reason: str) -> None:
        from mcp import types

        await self.session.send_notification(
            types.ClientNotification(
                types.CancelledNotification(
                    method="notifications/cancelled",
                    params=types.CancelledNotificationParams(requestId=request_id, reason=reason),
                )
            )
        )

    async def list_prompts(self) -> list[dict[str, Any]]:
        return [_dump(p) for p in (await self._rpc(self.session.list_prompts())).prompts]

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> dict[str, Any]:
        return _dump(await self._rpc(self.session.get_prompt(name, arguments)))

    async def list_resources(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        resources = await self._rpc(self.session.list_resources())
        templates = await self._rpc(self.session.list_resource_templates())
        return [_dump(r) for r in resources.resources], [_dump(t) for t in templates.resourceTemplates]

    async def read_resource(self, uri: str) -> dict[str, Any]:
        from pydantic import AnyUrl

        return _dump(await self._rpc(self.session.read_resource(AnyUrl(uri))))

    async def complete(self, ref: Any, argument: dict[str, str]) -> dict[str, Any]:
        return _dump(await self._rpc(self.session.complete(ref, argument)))

    @asynccontextmanager
    async def listen_tools(self) -> AsyncIterator[dict[str, Any]]:
        raise CheckSkipped("mcp 1.x has no subscriptions/listen")
        yield {}  # pragma: no cover - makes this an async generator

    @staticmethod
    async def _rpc(awaitable: Awaitable[Any]) -> Any:
        from mcp.shared.exceptions import McpError

        try:
            return await awaitable
        except McpError as e:
            raise _as_rpc_error(e) from e


def _server_env(opts: argparse.Namespace) -> dict[str, str] | None:
    # The SDKs give the server only HOME, PATH and a few others unless told more.
    env = dict(os.environ) if opts.inherit_env else {}
    for item in opts.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env or None


# --------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------


def _text_of(result: dict[str, Any]) -> str:
    return "".join(block.get("text", "") for block in result.get("content", []) if block.get("type") == "text")


class Scenario:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.wire = Wire()
        self.sdk: SdkV1 | SdkV2 = SdkV2(opts, self.wire) if SDK_MAJOR >= 2 else SdkV1(opts, self.wire)
        self.counts = {"pass": 0, "fail": 0, "skip": 0}
        self.server_caps: dict[str, Any] = {}
        self.caps_known = True

    # -- reporting --------------------------------------------------------------------

    def emit(self, check: str, status: str, ms: float, **detail: Any) -> None:
        self.counts[status] += 1
        line = {"check": check, "status": status, "ms": round(ms, 1), "sdk": SDK_VERSION, "mode": self.opts.mode}
        line.update(detail)
        print(json.dumps(line, ensure_ascii=False, default=str), flush=True)

    async def run_check(self, name: str, fn: Callable[[], Awaitable[dict[str, Any]]], timeout: float) -> None:
        if name in self.opts.skip:
            self.emit(name, "skip", 0, reason="--skip")
            return
        t0 = time.monotonic()
        try:
            with anyio.fail_after(timeout):
                detail = await fn()
            status = "pass"
        except Exception as raw:  # a failing check must not stop the others
            exc = _unwrap(raw)
            if isinstance(exc, CheckSkipped):
                status, detail = "skip", {"reason": str(exc)}
            elif isinstance(exc, CheckFailed):
                status, detail = "fail", {"error": str(exc), **exc.detail}
            elif isinstance(exc, TimeoutError):
                status, detail = "fail", {"error": f"no outcome within {timeout}s"}
            elif isinstance(exc, RpcError):
                what = "SDK read timeout" if exc.code in SDK_TIMEOUT_CODES else "JSON-RPC error"
                status, detail = "fail", {"error": what, "code": exc.code, "message": exc.message}
            else:
                status, detail = "fail", {"error": f"{type(exc).__name__}: {exc}"}
        self.emit(name, status, (time.monotonic() - t0) * 1000, **detail)

    # -- top level --------------------------------------------------------------------

    async def run(self, command: list[str]) -> int:
        opts = self.opts
        connected = False
        t0 = time.monotonic()
        # One scope is the watchdog for the whole session: first the connect deadline, then
        # (once connected) the total deadline. Entering the client inside a fail_after of its
        # own is not possible: the SDK opens task groups that outlive that block.
        with anyio.CancelScope() as watchdog:
            watchdog.deadline = anyio.current_time() + opts.connect_timeout
            try:
                async with self.sdk.connect(command):
                    connected = True
                    watchdog.deadline = anyio.current_time() + opts.total_timeout
                    self.check_connect(time.monotonic() - t0)
                    await self.run_checks()
            except Exception as raw:
                exc = _unwrap(raw)
                rpc = _as_rpc_error(exc) or (exc if isinstance(exc, RpcError) else None)
                detail = (
                    {"code": rpc.code, "message": rpc.message} if rpc else {"error": f"{type(exc).__name__}: {exc}"}
                )
                self.emit(
                    "connect" if not connected else "session",
                    "fail",
                    (time.monotonic() - t0) * 1000,
                    negotiation=self.negotiation(),
                    **detail,
                )
        if watchdog.cancelled_caught:
            what = "total" if connected else "connect"
            limit = opts.total_timeout if connected else opts.connect_timeout
            self.emit(
                "connect" if not connected else "session",
                "fail",
                (time.monotonic() - t0) * 1000,
                error=f"{what} deadline of {limit}s passed",
                negotiation=self.negotiation(),
            )
        if opts.wire_log:
            with open(opts.wire_log, "w", encoding="utf-8") as f:
                for e in self.wire.events:
                    f.write(
                        json.dumps({"t": round(e.t, 4), "dir": e.direction, "msg": e.msg}, ensure_ascii=False) + "\n"
                    )
        c = self.counts
        print(
            json.dumps(
                {
                    "check": "summary",
                    "sdk": SDK_VERSION,
                    "mode": opts.mode,
                    "passed": c["pass"],
                    "failed": c["fail"],
                    "skipped": c["skip"],
                }
            ),
            flush=True,
        )
        print(f"interop: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped", file=sys.stderr)
        return 0 if connected and c["fail"] == 0 else 1

    async def run_checks(self) -> None:
        step = self.opts.step_timeout + 2  # the SDK's own read timeout fires first; this is the backstop
        await self.run_check("list_tools", self.check_list_tools, step)
        await self.run_check("call_echo", self.check_echo, step)
        await self.run_check("progress", self.check_progress, step + self.opts.steps * self.opts.delay_ms / 1000)
        await self.run_check("cancel", self.check_cancel, 2 * step + self.opts.quiet_window)
        await self.run_check("after_cancel", self.check_after_cancel, step)
        await self.run_check("unknown_tool", self.check_unknown_tool, step)
        await self.run_check("listen", self.check_listen, step + 2)
        await self.run_check("prompts", self.check_prompts, 2 * step)
        await self.run_check("resources", self.check_resources, 4 * step)
        await self.run_check("complete", self.check_complete, step)
        await self.run_check("dropin", self.check_dropin, 3 * step)
        await self.run_check("wire_shape", self.check_wire_shape, 1)

    # -- checks -----------------------------------------------------------------------

    def negotiation(self) -> list[dict[str, Any]]:
        """The connect-time exchange as seen on the wire, e.g. discover -> -32601 -> initialize."""
        steps: list[dict[str, Any]] = []
        by_id: dict[Any, dict[str, Any]] = {}
        for e in self.wire.events:
            if e.direction == "c2s" and e.method in ("server/discover", "initialize", "notifications/initialized"):
                entry: dict[str, Any] = {"send": e.method}
                if "id" in e.msg:
                    by_id[e.msg["id"]] = entry
                steps.append(entry)
            elif e.direction == "s2c" and e.is_response and e.msg["id"] in by_id:
                err = e.msg.get("error")
                by_id.pop(e.msg["id"])["got"] = f"error {err.get('code')}" if err else "result"
        return steps

    def check_connect(self, elapsed: float) -> None:
        info = self.sdk.connection_info()
        self.server_caps = info.pop("capabilities") or {}
        # A pinned 2.x client adopts synthesized capabilities without asking the server.
        self.caps_known = info.get("via") != "pinned (no probe)"
        negotiation = self.negotiation()
        if not negotiation:
            negotiation = [{"note": "no wire traffic: the era was adopted without a probe"}]
        expected = self.opts.expect_era
        if expected is None and self.opts.mode == "legacy":
            expected = "handshake"
        status = "pass" if expected in (None, info["era"]) else "fail"
        detail: dict[str, Any] = {**info, "negotiation": negotiation}
        if status == "fail":
            detail["error"] = f"expected the {expected} era"
        self.emit("connect", status, elapsed * 1000, **detail)

    async def check_list_tools(self) -> dict[str, Any]:
        tools = await self.sdk.list_tools()
        by_name = {t.get("name"): t for t in tools}
        wanted = [self.opts.echo_tool, self.opts.slow_tool]
        missing = [n for n in wanted if n not in by_name]
        if missing:
            raise CheckFailed("tools missing from tools/list", missing=missing, listed=sorted(by_name))
        for name in wanted:
            schema = by_name[name].get("inputSchema")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise CheckFailed(f"{name}: inputSchema is not an object schema", inputSchema=schema)
        return {"count": len(tools), "listed": sorted(by_name)}

    async def check_echo(self) -> dict[str, Any]:
        return await self._expect_echo(self.opts.echo_tool, {self.opts.text_arg: self.opts.text})

    async def _expect_echo(
        self, tool: str, arguments: dict[str, Any], progress: ProgressFn | None = None
    ) -> dict[str, Any]:
        result = await self.sdk.call_tool(tool, arguments, progress)
        text = _text_of(result)
        if result.get("isError"):
            raise CheckFailed(f"{tool} returned isError", text=text)
        if text != arguments[self.opts.text_arg]:
            raise CheckFailed(f"{tool} returned other text", got=text, want=arguments[self.opts.text_arg])
        return {"text_ok": True}

    def _slow_args(self, steps: int, delay_ms: int) -> dict[str, Any]:
        o = self.opts
        return {o.text_arg: o.text, o.steps_arg: steps, o.delay_arg: delay_ms}

    async def check_progress(self) -> dict[str, Any]:
        seen: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total, message))

        steps = self.opts.steps
        await self._expect_echo(self.opts.slow_tool, self._slow_args(steps, self.opts.delay_ms), on_progress)
        # 2.x runs progress callbacks as separate tasks; let any already received ones land.
        with anyio.move_on_after(0.5):
            while len(seen) < steps:
                await anyio.sleep(0.01)
        values = [p for p, _, _ in seen]
        detail = {"count": len(seen), "expected": steps, "values": values, "total": seen[-1][1] if seen else None}
        if not seen:
            raise CheckFailed("no progress notification reached the callback", **detail)
        if any(b <= a for a, b in zip(values, values[1:], strict=False)):
            raise CheckFailed("progress did not increase", **detail)
        return detail

    async def check_cancel(self) -> dict[str, Any]:
        """Cancel a long slow_echo after its first progress; the server must go quiet about it."""
        opts = self.opts
        first_progress = anyio.Event()
        finished = anyio.Event()
        outcome: dict[str, Any] = {}
        scope_box: list[anyio.CancelScope] = []
        progress_before_cancel = 0

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            first_progress.set()

        async def call() -> None:
            try:
                await _call()
            finally:
                finished.set()
                first_progress.set()  # wake the waiter below if the call ended without progress

        async def _call() -> None:
            with anyio.CancelScope() as scope:
                scope_box.append(scope)
                try:
                    result = await self.sdk.call_tool(
                        opts.slow_tool, self._slow_args(opts.cancel_steps, opts.cancel_delay_ms), on_progress
                    )
                    outcome["result"] = _text_of(result)
                except RpcError as e:
                    outcome["error"] = {"code": e.code, "message": e.message}
            outcome["cancelled"] = scope.cancelled_caught

        def is_slow_call(e: WireEvent) -> bool:
            return (
                e.direction == "c2s"
                and e.method == "tools/call"
                and e.msg.get("params", {}).get("name") == opts.slow_tool
            )

        since = self.wire.now()
        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            with anyio.move_on_after(opts.step_timeout):
                await first_progress.wait()
            if finished.is_set():
                raise CheckFailed("the call ended before any progress arrived", outcome=outcome)
            if not first_progress.is_set():
                tg.cancel_scope.cancel()
                raise CheckFailed(f"no progress within {opts.step_timeout}s")
            request = self.wire.find(is_slow_call, since)[-1]
            request_id = request.msg["id"]
            progress_before_cancel = len(self._progress_for(request_id))
            t_cancel = time.monotonic()
            scope_box[0].cancel()
            with anyio.move_on_after(opts.cancel_prompt):
                await finished.wait()
            caller_ms = (time.monotonic() - t_cancel) * 1000
            if not finished.is_set():
                tg.cancel_scope.cancel()
                raise CheckFailed(
                    f"the cancelled call did not return within {opts.cancel_prompt}s", requestId=request_id
                )

        detail: dict[str, Any] = {"requestId": request_id, "caller_outcome_ms": round(caller_ms, 1)}
        if not outcome.get("cancelled"):
            raise CheckFailed("the call finished before it could be cancelled", **detail, outcome=outcome)

        if not self.sdk.sends_cancel_itself:
            await self.sdk.send_cancel(request_id, "interop: cancelled after first progress")
        detail["cancel_sent_by"] = (
            "sdk" if self.sdk.sends_cancel_itself else f"interop script (mcp {SDK_VERSION} sends none)"
        )

        def is_cancel(e: WireEvent) -> bool:
            return (
                e.direction == "c2s"
                and e.method == "notifications/cancelled"
                and e.msg.get("params", {}).get("requestId") == request_id
            )

        cancel = await self.wire.wait_for(is_cancel, 2.0, since)
        if cancel is None:
            raise CheckFailed("no notifications/cancelled went out for the request", **detail)
        detail["notification"] = cancel.msg

        # The server must not answer the cancelled request and must stop its progress;
        # notifications already in flight when the cancel arrived are allowed for a grace period.
        await anyio.sleep(opts.quiet_window)
        late = [
            e.msg
            for e in self.wire.find(lambda e: e.direction == "s2c" and e.is_response and e.msg.get("id") == request_id)
        ]
        progress = self._progress_for(request_id)
        after_grace = [e for e in progress if e.t > cancel.t + opts.cancel_grace]
        detail.update(
            progress_before_cancel=progress_before_cancel,
            progress_total=len(progress),
            progress_after_grace=len(after_grace),
        )
        if late:
            detail["response"] = late[0]
            if not opts.allow_cancel_response:
                raise CheckFailed("the server answered a cancelled request", **detail)
        if after_grace:
            raise CheckFailed("the server kept sending progress after the cancel", **detail)
        return detail

    def _progress_for(self, request_id: Any) -> list[WireEvent]:
        # Both SDK lines use the request id as the progress token.
        return self.wire.find(
            lambda e: (
                e.direction == "s2c"
                and e.method == "notifications/progress"
                and e.msg.get("params", {}).get("progressToken") == request_id
            )
        )

    async def check_after_cancel(self) -> dict[str, Any]:
        return await self._expect_echo(self.opts.echo_tool, {self.opts.text_arg: "still alive"})

    def _require_capability(self, name: str) -> None:
        if self.caps_known and self.server_caps.get(name) is None:
            raise CheckSkipped(f"the server does not offer {name}")

    async def check_prompts(self) -> dict[str, Any]:
        self._require_capability("prompts")
        prompts = await self.sdk.list_prompts()
        by_name = {p.get("name"): p for p in prompts}
        prompt = by_name.get(self.opts.prompt)
        if prompt is None:
            raise CheckFailed("prompt missing from prompts/list", want=self.opts.prompt, listed=sorted(by_name))
        required = [a.get("name") for a in prompt.get("arguments") or [] if a.get("required")]
        arguments = {name: self.opts.text for name in required}
        result = await self.sdk.get_prompt(self.opts.prompt, arguments)
        messages = result.get("messages") or []
        texts = [(m.get("content") or {}).get("text", "") for m in messages]
        if not messages or not any(self.opts.text in t for t in texts):
            raise CheckFailed("prompts/get did not use the argument", arguments=arguments, messages=messages)
        return {"count": len(prompts), "messages": len(messages)}

    async def check_resources(self) -> dict[str, Any]:
        self._require_capability("resources")
        resources, templates = await self.sdk.list_resources()
        uris = [r.get("uri") for r in resources]
        if self.opts.resource not in [str(u) for u in uris]:
            raise CheckFailed("resource missing from resources/list", want=self.opts.resource, listed=uris)
        read = await self.sdk.read_resource(self.opts.resource)
        contents = read.get("contents") or []
        if not contents or not contents[0].get("text"):
            raise CheckFailed("resources/read returned no text", contents=contents)
        detail: dict[str, Any] = {"resources": len(resources), "templates": len(templates)}
        if self.opts.template:
            listed = [t.get("uriTemplate") for t in templates]
            if self.opts.template not in listed:
                raise CheckFailed("template missing from resources/templates/list", want=self.opts.template, listed=listed)
            uri = self.opts.template.split("{", 1)[0] + "Ada"
            text = ((await self.sdk.read_resource(uri)).get("contents") or [{}])[0].get("text", "")
            if "Ada" not in text:
                raise CheckFailed("a read through the template did not use the variable", uri=uri, text=text)
            detail["template_read"] = text
        try:
            await self.sdk.read_resource(self.opts.resource + "/no-such-resource")
        except RpcError as e:
            detail["unknown_uri"] = e.code
        else:
            raise CheckFailed("reading an unknown URI succeeded")
        return detail

    async def check_complete(self) -> dict[str, Any]:
        self._require_capability("completions")
        from mcp import types

        name, argument, typed, want = self.opts.complete.split(":")
        result = await self.sdk.complete(types.PromptReference(type="ref/prompt", name=name), {"name": argument, "value": typed})
        values = (result.get("completion") or {}).get("values") or []
        if want not in values:
            raise CheckFailed("completion/complete lacks the expected value", values=values, want=want)
        return {"values": values}

    async def check_dropin(self) -> dict[str, Any]:
        """A broken file and a half-written plugin file in the server's --plugin-dir bring no
        list_changed; once the file is complete the client hears notifications/tools/list_changed
        (on a listen stream in 2026-07-28), lists its tool and calls it. With --dropin-replace: a new version renamed over it brings list_changed and
        the new tool answers (the plugin runs isolated, so it starts anew from the new file);
        removed, its tool goes with list_changed. The file is removed in any case, so the next
        run's server starts without it."""
        if not self.opts.dropin:
            raise CheckSkipped("no --dropin FILE:DIR:TOOL given")
        source, folder, tool = self.opts.dropin.split(":")
        target = os.path.join(folder, "interop-dropin.so")
        part = os.path.join(folder, ".interop-dropin.so.part")
        report: dict[str, Any] = {"tool": tool}

        def is_changed(e: WireEvent) -> bool:
            return e.direction == "s2c" and e.method == "notifications/tools/list_changed"

        async def change(what: str, act) -> float:
            since = self.wire.now()
            act()
            event = await self.wire.wait_for(is_changed, self.opts.step_timeout, since)
            if event is None:
                raise CheckFailed(f"no notifications/tools/list_changed after the plugin was {what}", folder=folder)
            return round((event.t - since) * 1000, 1)

        def put(path: str) -> None:
            shutil.copyfile(path, part)
            os.rename(part, target)

        async def names() -> list[str]:
            return [t.get("name") for t in await self.sdk.list_tools()]

        broken = os.path.join(folder, "interop-broken.so")

        async def steps() -> None:
            # A broken file and half a file: neither changes the list.
            quiet_since = self.wire.now()
            with open(broken, "wb") as f:
                f.write(b"not a shared library")
            with open(source, "rb") as f:
                data = f.read()
            out = open(target, "wb")
            out.write(data[: len(data) // 2])
            out.flush()
            early = await self.wire.wait_for(is_changed, 1.0, quiet_since)
            if early is not None:
                out.close()
                raise CheckFailed("list_changed for a broken or half-written file", folder=folder)
            report["quiet_while_broken_or_half_written_ms"] = 1000
            # The rest written and the file closed: now it loads.
            since = self.wire.now()
            out.write(data[len(data) // 2 :])
            out.close()
            event = await self.wire.wait_for(is_changed, self.opts.step_timeout, since)
            if event is None:
                raise CheckFailed("no notifications/tools/list_changed after the plugin file was completed", folder=folder)
            report["listed_after_ms"] = round((event.t - since) * 1000, 1)
            listed = await names()
            if tool not in listed:
                raise CheckFailed("the dropped-in plugin's tool is not listed", want=tool, listed=listed)
            result = await self.sdk.call_tool(tool, {})
            if result.get("isError"):
                raise CheckFailed("the dropped-in tool failed", text=_text_of(result))
            if not self.opts.dropin_replace:
                return
            replacement, new_tool = self.opts.dropin_replace.split(":")
            report["replaced_after_ms"] = await change("replaced", lambda: put(replacement))
            listed = await names()
            if new_tool not in listed or tool in listed:
                raise CheckFailed("after the replacement the new tool is not the one listed", want=new_tool, listed=listed)
            result = await self.sdk.call_tool(new_tool, {})
            if result.get("isError") or new_tool not in _text_of(result):
                raise CheckFailed("the replaced plugin does not answer with its new behaviour", text=_text_of(result))
            report["removed_after_ms"] = await change("removed", lambda: os.remove(target))
            listed = await names()
            if new_tool in listed:
                raise CheckFailed("the removed plugin's tool is still listed", listed=listed)

        try:
            if self.sdk.is_modern:
                async with self.sdk.listen_tools():
                    await steps()
            else:
                await steps()
        finally:
            for path in (target, part, broken):
                if os.path.exists(path):
                    os.remove(path)
        return report

    async def check_unknown_tool(self) -> dict[str, Any]:
        expect = self.opts.expect_unknown_tool
        try:
            result = await self.sdk.call_tool(self.opts.unknown_tool, {})
        except RpcError as e:
            if e.code in SDK_TIMEOUT_CODES:
                raise
            if expect == "is-error":
                raise CheckFailed(
                    "expected an isError result, got a JSON-RPC error", code=e.code, message=e.message
                ) from None
            if e.code != INVALID_PARAMS:  # the code every revision names for an unknown tool
                raise CheckFailed(
                    f"unknown tool: expected error {INVALID_PARAMS}", code=e.code, message=e.message
                ) from None
            return {"outcome": "rpc-error", "code": e.code, "message": e.message}
        if not result.get("isError"):
            raise CheckFailed("calling an unknown tool succeeded", result=result)
        if expect == "rpc-error":
            raise CheckFailed("expected a JSON-RPC error, got an isError result", text=_text_of(result))
        return {"outcome": "is-error", "text": _text_of(result)}

    async def check_listen(self) -> dict[str, Any]:
        if SDK_MAJOR < 2:
            raise CheckSkipped(f"mcp {SDK_VERSION} has no subscriptions/listen")
        if not self.sdk.is_modern:
            raise CheckSkipped("subscriptions/listen needs a 2026-07-28 connection")
        since = self.wire.now()
        async with self.sdk.listen_tools() as sub:
            detail = dict(sub)
        listen_id = detail["subscriptionId"]
        if self.server_caps.get("tools", {}).get("listChanged") and not detail["honored"].get("toolsListChanged"):
            raise CheckFailed("server declares tools.listChanged but did not honour the filter", **detail)

        def is_cancel(e: WireEvent) -> bool:
            return (
                e.direction == "c2s"
                and e.method == "notifications/cancelled"
                and e.msg.get("params", {}).get("requestId") == listen_id
            )

        cancel = await self.wire.wait_for(is_cancel, 2.0, since)
        detail["closed_by"] = "notifications/cancelled" if cancel else "nothing on the wire"
        await anyio.sleep(0.3)
        late = self.wire.find(lambda e: e.direction == "s2c" and e.is_response and e.msg.get("id") == listen_id)
        if cancel is not None and late:
            raise CheckFailed("the server answered a cancelled subscriptions/listen", **detail, response=late[0].msg)
        return detail

    async def check_wire_shape(self) -> dict[str, Any]:
        """Era-appropriate result shapes on everything the server sent (MCP_REVISIONS.md)."""
        modern = self.sdk.is_modern
        problems: list[str] = []
        responses = 0
        for e in self.wire.events:
            if e.direction != "s2c":
                continue
            if "exception" in e.msg:
                problems.append(f"unparseable line: {e.msg['exception'][:200]}")
                continue
            result = e.msg.get("result")
            if not e.is_response or not isinstance(result, dict):
                continue
            responses += 1
            is_discover = any(
                x.direction == "c2s" and x.msg.get("id") == e.msg["id"] and x.method == "server/discover"
                for x in self.wire.events
            )
            if modern or is_discover:
                if result.get("resultType") != "complete":
                    problems.append(f"id {e.msg['id']}: modern result without resultType 'complete'")
            else:
                extra = [k for k in MODERN_ONLY_RESULT_KEYS if k in result]
                if extra:
                    problems.append(f"id {e.msg['id']}: handshake-era result carries {extra}")
        if problems:
            raise CheckFailed("era-inappropriate messages", problems=problems[:10])
        return {"responses": responses, "era": "modern" if modern else "handshake"}


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" not in argv:
        print("usage: interop_client.py [options] -- SERVER_CMD ARGS...  (see --help)", file=sys.stderr)
        if "-h" in argv or "--help" in argv:
            build_parser().print_help()
            sys.exit(0)
        sys.exit(2)
    split = argv.index("--")
    opts = build_parser().parse_args(argv[:split])
    command = argv[split + 1 :]
    if not command:
        build_parser().error("missing server command after --")
    modes = ("auto", "legacy", *MODERN_VERSIONS) if SDK_MAJOR >= 2 else ("legacy",)
    if opts.mode is None:
        opts.mode = "auto" if SDK_MAJOR >= 2 else "legacy"
    if opts.mode not in modes:
        build_parser().error(f"mcp {SDK_VERSION} supports --mode {'|'.join(modes)}; got {opts.mode!r}")
    if opts.mode in MODERN_VERSIONS and opts.expect_era is None:
        opts.expect_era = "modern"
    return opts, command


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="interop_client.py",
        description="MCP interop scenario over stdio (python SDK). Usage: [options] -- SERVER_CMD ARGS...",
    )
    p.add_argument("--mode", help="auto | legacy | 2026-07-28 (mcp 2.x; default auto); mcp 1.x: legacy only")
    p.add_argument(
        "--expect-era",
        choices=("modern", "handshake"),
        help="fail connect unless this era was negotiated (default: implied by the mode)",
    )
    tools = p.add_argument_group("tools and arguments (match the server's test plugin)")
    tools.add_argument("--echo-tool", default="echo")
    tools.add_argument("--slow-tool", default="slow_echo")
    tools.add_argument("--unknown-tool", default="no_such_tool_interop")
    tools.add_argument("--text-arg", default="text", help="name of the text argument of both tools")
    tools.add_argument("--steps-arg", default="steps")
    tools.add_argument("--delay-arg", default="delay_ms")
    tools.add_argument("--text", default=DEFAULT_TEXT)
    tools.add_argument("--steps", type=int, default=3, help="slow_echo steps in the progress check")
    tools.add_argument("--delay-ms", type=int, default=50, help="slow_echo delay in the progress check")
    tools.add_argument("--cancel-steps", type=int, default=100)
    tools.add_argument("--cancel-delay-ms", type=int, default=100)
    tools.add_argument("--prompt", default="explain", help="a prompt whose required arguments take --text")
    tools.add_argument("--resource", default="example://about", help="a resource with text contents")
    tools.add_argument("--template", default="example://greeting/{name}", help="a template read with its variable 'Ada'; '' to skip")
    tools.add_argument("--complete", default="explain:audience:b:beginners", help="PROMPT:ARGUMENT:TYPED:EXPECTED")
    tools.add_argument(
        "--dropin",
        default="",
        metavar="FILE:DIR:TOOL",
        help="copy plugin FILE into the server's --plugin-dir DIR while serving and expect TOOL to appear",
    )
    tools.add_argument(
        "--dropin-replace",
        default="",
        metavar="FILE:TOOL",
        help="then rename plugin FILE over the dropped-in one and expect TOOL to replace the first; "
        "then remove it and expect its tool to go",
    )
    tools.add_argument(
        "--expect-unknown-tool",
        choices=("either", "rpc-error", "is-error"),
        default="either",
        help="how an unknown tool must fail: JSON-RPC error -32602 (what the spec names) or an "
        "isError result (what the Python SDK servers send); default either",
    )
    t = p.add_argument_group("deadlines (seconds)")
    t.add_argument(
        "--connect-timeout",
        type=float,
        default=30.0,
        help="spawn + negotiation (auto mode waits up to 10 s for a silent server/discover)",
    )
    t.add_argument("--step-timeout", type=float, default=10.0, help="each request (also the SDK's read timeout)")
    t.add_argument("--total-timeout", type=float, default=120.0, help="whole session after connect")
    t.add_argument("--cancel-prompt", type=float, default=1.0, help="caller must see the cancellation within this")
    t.add_argument("--quiet-window", type=float, default=1.0, help="watch the cancelled request this long")
    t.add_argument(
        "--cancel-grace",
        type=float,
        default=0.25,
        help="progress already in flight this long after the cancel is tolerated",
    )
    t.add_argument(
        "--allow-cancel-response",
        action="store_true",
        help="tolerate a response to a cancelled request (mcp 1.x servers send error 0 'Request cancelled')",
    )
    s = p.add_argument_group("server process and output")
    s.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra server environment")
    s.add_argument("--inherit-env", action="store_true", help="give the server our whole environment")
    s.add_argument("--cwd", default=None)
    s.add_argument("--skip", action="append", default=[], metavar="CHECK", help="skip a check (repeatable)")
    s.add_argument("--wire-log", metavar="FILE", help="write every exchanged message as JSON lines")
    return p


def main() -> int:
    opts, command = parse_args(sys.argv[1:])
    return anyio.run(Scenario(opts).run, command)


if __name__ == "__main__":
    sys.exit(main())
