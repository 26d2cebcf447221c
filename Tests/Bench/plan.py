#!/usr/bin/env python3
"""Writes the plan for toolhost-bench (JSON on stdout): which servers, which scenarios.

Called by scripts/bench with the paths it built or provisioned. Every server that talks to the
vLLM double gets the same environment (VLLM_BASE_URL, VLLM_MODEL); `{upstream}` is replaced by
the bench with the double's URL (or with its timestamping relay's, for streaming).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True, help="SwiftPM release bin folder")
    p.add_argument("--example", required=True, help="libexample.so built with cc")
    p.add_argument("--vllm-mcp", required=True, help="venv with vllm-mcp-server 0.1.4")
    p.add_argument("--fastmcp", required=True, help="venv with mcp 2.3.0")
    p.add_argument("--root", required=True)
    p.add_argument("--typed-plugin", required=True, help="libtyped_example.so built with cc")
    p.add_argument("--manifest", required=True, help="the libm manifest (Plugins/Examples/Manifests)")
    a = p.parse_args()

    b = a.bin
    vllm_env = {"VLLM_BASE_URL": "{upstream}", "VLLM_MODEL": "test-model"}
    site = lambda venv: os.path.join(venv, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages")

    # A plugin built with cc outside toolhost's folder runs isolated by default (issue 14);
    # toolhost-c keeps measuring it in the host's process, as before, and toolhost-c-isolated
    # measures the same plugin in a runner process, side by side.
    toolhost_c = {
        "name": "toolhost-c",
        "label": "toolhost + C example plugin (built with cc), in process",
        "command": [f"{b}/toolhost", "--isolation", "none", "--plugin", a.example],
        "scenarios": ["spawn", "calls", "concurrency"],
        "echoTool": "echo",
        # The host's own share of scenario 4: an async C tool (a thread per call) that completes
        # after the latency, no upstream involved.
        "concurrencyTool": {"tool": "slow_echo", "arguments": {"text": "hi", "steps": 1, "delay_ms": "{latency}"}},
        "echoArguments": {"text": "hello"},
        "sizes": {"binary": f"{b}/toolhost", "plugin": a.example},
    }
    toolhost_c_isolated = dict(toolhost_c)
    toolhost_c_isolated.update({
        "name": "toolhost-c-isolated",
        "label": "toolhost + C example plugin (built with cc), isolated",
        "command": [f"{b}/toolhost", "--isolation", "process", "--plugin", a.example],
    })
    # Typed native functions (issue 6): C functions called through libffi, their schema derived
    # from the C types. A target of its own, so toolhost-c's start and memory stay those of the
    # example plugin alone.
    toolhost_typed = {
        "name": "toolhost-typed",
        "label": "toolhost + typed C functions (libffi)",
        "command": [f"{b}/toolhost", "--isolation", "none", "--plugin", a.typed_plugin, "--plugin", a.manifest],
        "scenarios": ["calls"],
        "echoTool": "typed_gcd",
        "echoArguments": {"a": 1071, "b": 462},
        "extraCalls": [{"label": "math_pow", "tool": "math_pow", "arguments": {"x": 2, "y": 0.5}}],
        "sizes": {"binary": f"{b}/toolhost", "plugin": a.typed_plugin},
    }

    plan = {
        "upstream": {"command": [f"{b}/vllm-double", "--model", "test-model"], "model": "test-model"},
        "responder": ["cat"],
        "targets": [
            toolhost_c,
            toolhost_c_isolated,
            toolhost_typed,
            {
                # The vLLM plugin built into toolhost, as the README's client set-ups run it.
                "name": "toolhost-vllm",
                "label": "toolhost + vLLM plugin (built in)",
                "command": [f"{b}/toolhost", "--plugin", "vllm"],
                "env": vllm_env,
                "scenarios": ["spawn", "overhead", "concurrency", "streaming"],
                "sizes": {"binary": f"{b}/toolhost"},
            },
            {
                # The same plugin from libVLLM.so, with its own Swift runtime.
                "name": "toolhost-vllm-library",
                "label": "toolhost + vLLM plugin (libVLLM.so)",
                "command": [f"{b}/toolhost", "--plugin", f"{b}/libVLLM.so"],
                "env": vllm_env,
                "scenarios": ["spawn", "overhead", "concurrency"],
                "sizes": {"binary": f"{b}/toolhost", "plugin": f"{b}/libVLLM.so"},
            },
            {
                # The vLLM plugin in a runner process: what isolating it would cost.
                "name": "toolhost-vllm-isolated",
                "label": "toolhost + vLLM plugin, isolated",
                "command": [f"{b}/toolhost", "--isolation", "process", "--plugin", "vllm"],
                "env": vllm_env,
                "scenarios": ["spawn", "overhead"],
                "sizes": {"binary": f"{b}/toolhost"},
            },
            {
                "name": "python-vllm",
                "label": "Python vllm-mcp-server 0.1.4 (mcp 1.30.0)",
                "command": [f"{a.vllm_mcp}/bin/vllm-mcp-server"],
                "env": vllm_env,
                "scenarios": ["spawn", "overhead", "concurrency"],
                "slow": True,
                "startTimeoutMillis": 30000,
                "sizes": {"site-packages": site(a.vllm_mcp)},
            },
            {
                "name": "fastmcp-echo",
                "label": "FastMCP echo (Python SDK mcp 2.3.0)",
                "command": [f"{a.fastmcp}/bin/python", f"{a.root}/Tests/Interop/reference_server.py"],
                "scenarios": ["spawn", "calls"],
                "startTimeoutMillis": 30000,
                "sizes": {"site-packages": site(a.fastmcp)},
            },
            {
                "name": "swift-sdk-echo",
                "label": "Swift SDK 0.12.1 echo",
                "command": [f"{b}/swift-sdk-echo"],
                "scenarios": ["spawn", "calls"],
                "sizes": {"binary": f"{b}/swift-sdk-echo"},
            },
        ],
    }
    json.dump(plan, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
