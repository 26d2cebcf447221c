#!/usr/bin/env python3
"""A scripted stdio MCP server (standard library only) whose misbehaviours are switches.

It serves the interop test tools (`echo`, `slow_echo`) in both eras at once, as
MCP_REVISIONS.md allows, and can be told to behave like servers toolhost will meet or must
not become. It exists to find out how the SDK clients react (see the README section) and to
prove that interop_client.py fails on what it should:

    interop_client.py --mode auto -- python fake_server.py --discover-error -32601
    interop_client.py --mode auto -- python fake_server.py --answer-cancelled   # cancel check fails

Switches:
  --handshake-only       no modern era: server/discover -> -32601, enveloped requests -> -32600
  --discover-error CODE  answer server/discover with this error (-32022 carries data.supported)
  --discover-silent      never answer server/discover
  --no-result-type       omit resultType from modern results
  --unknown-fields       add unknown fields to results, tools and content blocks
  --answer-cancelled     answer a cancelled request with error 0 "Request cancelled" (as mcp 1.x does)
  --ignore-cancel        let a cancelled slow_echo run on (progress and result)
  --log FILE             append every received line to FILE
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

MODERN = "2026-07-28"
HANDSHAKE = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
SERVER_INFO = {"name": "fake-server", "version": "0"}
PV_KEY = "io.modelcontextprotocol/protocolVersion"
CAPS_KEY = "io.modelcontextprotocol/clientCapabilities"
SUB_KEY = "io.modelcontextprotocol/subscriptionId"

TOOLS = [
    {
        "name": "echo",
        "description": "Return the given text unchanged.",
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    },
    {
        "name": "slow_echo",
        "description": "Return the text after `steps` pauses of `delay_ms`, reporting progress.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string"}, "steps": {"type": "integer"}, "delay_ms": {"type": "integer"}},
            "required": ["text"],
        },
    },
]


class Server:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.out_lock = threading.Lock()
        self.handshaken = False  # initialize answered
        self.initialized = False  # notifications/initialized seen (recorded, not required)
        self.cancelled: dict[Any, threading.Event] = {}
        # Lives as long as the process; line-buffered so a killed server still leaves its log.
        self.log = open(opts.log, "a", encoding="utf-8", buffering=1) if opts.log else None  # noqa: SIM115

    # -- output -------------------------------------------------------------------------

    def send(self, msg: dict[str, Any]) -> None:
        line = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
        with self.out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def error(self, rid: Any, code: int, message: str, data: Any = None) -> None:
        err: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            err["data"] = data
        self.send({"jsonrpc": "2.0", "id": rid, "error": err})

    def result(self, rid: Any, result: dict[str, Any], modern: bool) -> None:
        result = dict(result)
        if modern:
            if not self.opts.no_result_type:
                result["resultType"] = "complete"
            result.setdefault("_meta", {})["io.modelcontextprotocol/serverInfo"] = SERVER_INFO
        if self.opts.unknown_fields:
            result["x-unknown-field"] = {"nested": [1, 2, 3]}
        self.send({"jsonrpc": "2.0", "id": rid, "result": result})

    # -- input --------------------------------------------------------------------------

    def serve(self) -> None:
        for raw in sys.stdin:
            if self.log:
                self.log.write(raw)
            raw = raw.strip()
            if not raw:
                continue
            try:
                msg = json.loads(raw)
            except json.JSONDecodeError:
                self.error(None, -32700, "Parse error")
                continue
            if "method" not in msg:
                continue  # a response to us: we send no requests
            if "id" in msg:
                self.request(msg)
            else:
                self.notification(msg)

    def notification(self, msg: dict[str, Any]) -> None:
        params = msg.get("params") or {}
        if msg["method"] == "notifications/initialized":
            self.initialized = True
        elif msg["method"] == "notifications/cancelled":
            event = self.cancelled.get(params.get("requestId"))
            if event is not None:
                event.set()

    def request(self, msg: dict[str, Any]) -> None:
        rid, method, params = msg["id"], msg["method"], msg.get("params") or {}
        meta = params.get("_meta") or {}
        if method == "server/discover":
            return self.discover(rid, meta)
        modern = PV_KEY in meta
        if modern and self.opts.handshake_only:
            return self.error(rid, -32600, "this server speaks only the handshake era")
        if modern:
            if meta[PV_KEY] != MODERN:
                return self.error(
                    rid,
                    -32022,
                    "Unsupported protocol version",
                    {"supported": [MODERN, *HANDSHAKE], "requested": meta[PV_KEY]},
                )
            if CAPS_KEY not in meta:
                return self.error(rid, -32602, f"params._meta is missing {CAPS_KEY}")
        if method == "initialize":
            requested = params.get("protocolVersion")
            version = requested if requested in HANDSHAKE else HANDSHAKE[-1]
            self.handshaken = True
            return self.result(
                rid,
                {
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": True}},
                    "serverInfo": SERVER_INFO,
                },
                modern=False,
            )
        if not modern and method != "ping" and not self.handshaken:
            return self.error(rid, -32600, "initialize first")
        if method == "ping" and not modern:
            return self.result(rid, {}, modern=False)
        if method == "tools/list":
            tools = [dict(t, **({"x-unknown-tool-field": True} if self.opts.unknown_fields else {})) for t in TOOLS]
            result: dict[str, Any] = {"tools": tools}
            if modern:
                result.update(ttlMs=0, cacheScope="private")
            return self.result(rid, result, modern)
        if method == "tools/call":
            return self.call(rid, params, meta, modern)
        if method == "subscriptions/listen" and modern:
            honored = {k: v for k, v in (params.get("notifications") or {}).items() if k == "toolsListChanged"}
            return self.send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/subscriptions/acknowledged",
                    "params": {"notifications": honored, "_meta": {SUB_KEY: rid}},
                }
            )
        return self.error(rid, -32601, f"Method not found: {method}")

    def discover(self, rid: Any, meta: dict[str, Any]) -> None:
        o = self.opts
        if o.discover_silent:
            return
        if o.discover_error is not None:
            data = {"supported": list(HANDSHAKE), "requested": meta.get(PV_KEY)} if o.discover_error == -32022 else None
            return self.error(rid, o.discover_error, "discover refused", data)
        if o.handshake_only:
            return self.error(rid, -32601, "Method not found: server/discover")
        self.result(
            rid,
            {
                "supportedVersions": [MODERN],
                "capabilities": {"tools": {"listChanged": True}},
                "ttlMs": 0,
                "cacheScope": "private",
            },
            modern=True,
        )

    def call(self, rid: Any, params: dict[str, Any], meta: dict[str, Any], modern: bool) -> None:
        name, args = params.get("name"), params.get("arguments") or {}
        if name not in ("echo", "slow_echo"):
            return self.error(rid, -32602, f"Unknown tool: {name}")
        text = args.get("text")
        if not isinstance(text, str):
            invalid = {"content": [{"type": "text", "text": "text must be a string"}], "isError": True}
            return self.result(rid, invalid, modern)
        if name == "echo":
            return self.result(rid, self.content(text), modern)
        cancel = threading.Event()
        self.cancelled[rid] = cancel
        threading.Thread(
            target=self.slow_echo, args=(rid, text, args, meta.get("progressToken"), cancel, modern), daemon=True
        ).start()

    def content(self, text: str) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "text", "text": text}
        if self.opts.unknown_fields:
            block["x-unknown-block-field"] = "ignored?"
        return {"content": [block], "isError": False}

    def slow_echo(
        self, rid: Any, text: str, args: dict[str, Any], token: Any, cancel: threading.Event, modern: bool
    ) -> None:
        steps, delay = int(args.get("steps", 5)), int(args.get("delay_ms", 100)) / 1000
        for step in range(1, steps + 1):
            if self.opts.ignore_cancel:
                time.sleep(delay)
            elif cancel.wait(delay):
                if self.opts.answer_cancelled:
                    self.error(rid, 0, "Request cancelled")
                return
            if token is not None:
                self.send(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/progress",
                        "params": {"progressToken": token, "progress": step, "total": steps},
                    }
                )
        self.result(rid, self.content(text), modern)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--handshake-only", action="store_true")
    p.add_argument("--discover-error", type=int)
    p.add_argument("--discover-silent", action="store_true")
    p.add_argument("--no-result-type", action="store_true")
    p.add_argument("--unknown-fields", action="store_true")
    p.add_argument("--answer-cancelled", action="store_true")
    p.add_argument("--ignore-cancel", action="store_true")
    p.add_argument("--log")
    Server(p.parse_args()).serve()


if __name__ == "__main__":
    main()
