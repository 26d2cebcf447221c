#!/usr/bin/env python3
"""Run interop_client.py for every SDK line and mode against one server command.

    python3 Tests/Interop/run_matrix.py [options] -- SERVER_CMD ARGS...

Combinations (each a fresh server process):
    v2-auto    mcp 2.x, probe server/discover, fall back to initialize
    v2-legacy  mcp 2.x, initialize handshake only
    v2-modern  mcp 2.x, pinned to 2026-07-28 (no probe)
    v1-legacy  mcp 1.x, initialize handshake only

The venvs come from scripts/pyenv (built on first use). Each run's JSON lines are passed
through, prefixed by nothing: they already carry "sdk" and "mode". The last line is the plain
'interop-matrix: N passed, N failed' summary that CI log readers understand. Exit status is 1
if any run failed. Standard library only, so any python3 can start it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COMBOS = {
    "v2-auto": ("v2", "auto"),
    "v2-legacy": ("v2", "legacy"),
    "v2-modern": ("v2", "2026-07-28"),
    "v1-legacy": ("v1", "legacy"),
}


def venv_python(line: str) -> str:
    out = subprocess.run(
        [str(ROOT / "scripts" / "pyenv"), "python", line], check=True, stdout=subprocess.PIPE, text=True
    )
    return out.stdout.strip()


def main() -> int:
    argv = sys.argv[1:]
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="run_matrix.py", description="interop matrix; see the module docstring")
    parser.add_argument("--only", default=",".join(COMBOS), help=f"comma-separated subset of {','.join(COMBOS)}")
    parser.add_argument(
        "--auto-era",
        choices=("modern", "handshake"),
        help="era the v2-auto run must negotiate (toolhost: modern)",
    )
    parser.add_argument(
        "--client-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="pass ARG to every interop_client.py run (repeatable; use --client-arg=--flag for flags)",
    )
    opts = parser.parse_args(argv[:split])
    server = argv[split + 1 :]
    if not server:
        parser.error("missing server command after --")

    passed = failed = 0
    for name in opts.only.split(","):
        if name not in COMBOS:
            parser.error(f"unknown combination {name!r}")
        line, mode = COMBOS[name]
        cmd = [venv_python(line), str(HERE / "interop_client.py"), "--mode", mode, *opts.client_arg]
        if name == "v2-auto" and opts.auto_era:
            cmd += ["--expect-era", opts.auto_era]
        print(f"interop-matrix: {name}: {' '.join(cmd[1:])} -- {' '.join(server)}", file=sys.stderr, flush=True)
        proc = subprocess.run([*cmd, "--", *server], stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        sys.stdout.flush()
        # Count per check, not per run, so the closing line says how much was proven.
        for raw in proc.stdout.splitlines():
            try:
                report = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if report.get("check") == "summary":
                passed += report["passed"]
                failed += report["failed"]
        if proc.returncode != 0 and not any('"check": "summary"' in r for r in proc.stdout.splitlines()):
            failed += 1  # the client itself crashed or was misused: no summary to count
    print(f"interop-matrix: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
