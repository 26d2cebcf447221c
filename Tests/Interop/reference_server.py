#!/usr/bin/env python3
"""Reference stdio MCP server offering the same test tools as toolhost's example plugin.

It proves interop_client.py against a server we did not write, and stays as a baseline
for later comparisons (latency, behaviour on cancel). Runs under either SDK line:

- mcp 2.x: `MCPServer` (the 2.x name of FastMCP); serves both the handshake era and
  2026-07-28 on one stdio connection, locking the era at the first request.
- mcp 1.x: `FastMCP`; handshake era only (it answers `server/discover` with -32601).

Tools:
- echo(text) -> text
- slow_echo(text, steps, delay_ms) -> text, reporting progress `1..steps` (total=steps)
  when the request carries a progressToken. Cancellation is the SDK's: the tool task is
  cancelled when `notifications/cancelled` arrives.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import anyio

SDK_VERSION = version("mcp")

if int(SDK_VERSION.split(".")[0]) >= 2:
    from mcp.server.mcpserver import Context, MCPServer

    server = MCPServer("toolhost-reference", version=SDK_VERSION)
else:  # mcp 1.x
    from mcp.server.fastmcp import Context, FastMCP

    server = FastMCP("toolhost-reference")


# structured_output=False: the test plugin returns plain text content only, and so should
# the baseline (2.x would otherwise add an outputSchema and structuredContent for `str`).
@server.tool(description="Return the given text unchanged.", structured_output=False)
def echo(text: str) -> str:
    return text


@server.tool(
    description="Return the given text after `steps` pauses of `delay_ms`, reporting progress after each.",
    structured_output=False,
)
async def slow_echo(text: str, ctx: Context, steps: int = 5, delay_ms: int = 100) -> str:
    for step in range(1, steps + 1):
        await anyio.sleep(delay_ms / 1000)
        await ctx.report_progress(step, steps, f"step {step}/{steps}")
    return text


if __name__ == "__main__":
    print(f"reference_server: mcp {SDK_VERSION}, stdio", file=sys.stderr)
    server.run("stdio")
