#!/usr/bin/env python3
"""Relay a stdio MCP server and record every line that crosses the pipe.

Usage: wiretap.py --log FILE [--max-lines N] -- SERVER_CMD ARGS...

Put it in front of any server command given to interop_client.py:

    interop_client.py --mode auto -- python wiretap.py --log wire.jsonl -- toolhost ...

Each log line is JSON: {"t": seconds since start, "dir": "c2s"|"s2c", "line": "<raw line>"}.
The raw line is kept as text (not re-parsed) so framing problems stay visible.

Standard library only, so it runs under any interpreter. The log path is an argument,
not an environment variable, because the SDKs' stdio clients pass only a small allow-list
of variables (HOME, PATH, ...) to the server process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True, help="file to append JSON lines to")
    parser.add_argument("--max-lines", type=int, default=0, help="stop logging after N lines (0: no limit)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- SERVER_CMD ARGS...")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("missing server command after --")

    start = time.monotonic()
    log = open(args.log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed after the child exits
    log_lock = threading.Lock()
    logged = 0

    def record(direction: str, raw: bytes) -> None:
        nonlocal logged
        with log_lock:
            if args.max_lines and logged >= args.max_lines:
                return
            logged += 1
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            log.write(json.dumps({"t": round(time.monotonic() - start, 4), "dir": direction, "line": text}) + "\n")

    # stderr is inherited: the server's logs go where the client sends our own.
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert child.stdin is not None and child.stdout is not None

    def client_to_server() -> None:
        # Forward line by line so each JSON-RPC message is logged as soon as it is sent;
        # closing the child's stdin on our EOF is what tells a stdio server to exit.
        try:
            for raw in sys.stdin.buffer:
                record("c2s", raw)
                child.stdin.write(raw)
                child.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
        finally:
            with contextlib.suppress(OSError):
                child.stdin.close()

    def server_to_client() -> None:
        out = sys.stdout.buffer
        try:
            for raw in iter(child.stdout.readline, b""):
                record("s2c", raw)
                out.write(raw)
                out.flush()
        except (BrokenPipeError, OSError):
            pass

    threading.Thread(target=client_to_server, daemon=True).start()
    pump = threading.Thread(target=server_to_client, daemon=True)
    pump.start()
    code = child.wait()
    pump.join(timeout=2)
    log.close()
    # Mirror the server's exit status so a crash is not hidden by the tap.
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        os._exit(130)
