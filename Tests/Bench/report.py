#!/usr/bin/env python3
"""Turns toolhost-bench's JSON into the results section of docs/BENCHMARKS.md and a PNG chart.

    report.py RESULTS.json --chart OUT.png --markdown BENCHMARKS.md

The markdown file keeps everything outside the markers
`<!-- results:begin -->` / `<!-- results:end -->`; the section between them is replaced (the file
is created with just the section if it does not exist). Ratios compare each server with the
toolhost configuration doing the same job: the Python vLLM server with toolhost + vLLM plugin,
the echo servers with toolhost + C plugin.
"""

from __future__ import annotations

import argparse
import json
import os
import re

BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"

REFERENCE = {"python-vllm": "toolhost-vllm", "fastmcp-echo": "toolhost-c", "swift-sdk-echo": "toolhost-c",
             "toolhost-c-isolated": "toolhost-c", "toolhost-vllm-isolated": "toolhost-vllm",
             "toolhost-vllm-library": "toolhost-vllm"}
# toolhost-typed has no counterpart elsewhere: no SDK calls C functions through libffi.


def get(d, *path):
    for key in path:
        if isinstance(d, dict) and key in d:
            d = d[key]
        else:
            return None
    return d


def fmt_ms(v):
    return None if v is None else (f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms")


def fmt_us(v):
    return None if v is None else f"{v:,.0f} µs"


def fmt_rate(v):
    return None if v is None else f"{v:,.0f}/s"


def fmt_mb(kib):
    return None if kib is None else f"{kib / 1024:.1f} MB"


def fmt_size(b):
    if b is None:
        return None
    return f"{b / 1048576:.1f} MB" if b >= 1048576 else f"{b / 1024:.0f} kB"


def rows(data):
    """(title, getter, formatter, better) per row; better: 'low' or 'high' for ratios."""
    def calls(t, index):
        c = t.get("calls") or {}
        items = list(c.items())
        if len(items) <= index:
            return None
        rate = items[index][1].get("callsPerSecond")
        return None if rate is None else (rate, items[index][0])

    def seq(t):
        items = list((t.get("calls") or {}).items())
        if not items or not items[0][1].get("sequentialMicros"):
            return None
        return (items[0][1]["sequentialMicros"]["p50"], items[0][0])

    out = [
        ("1. spawn → `initialize` answer, median", lambda t: get(t, "spawn", "initialize", "ms", "p50"), fmt_ms, "low"),
        ("1. spawn → `server/discover` answer, median", lambda t: get(t, "spawn", "server/discover", "ms", "p50"), fmt_ms, "low"),
        ("2. trivial tool calls pipelined, calls/s (tool)", lambda t: calls(t, 0), lambda v: fmt_rate(v[0]) + f" (`{v[1]}`)", "high"),
        ("2. … a second tool", lambda t: calls(t, 1), lambda v: fmt_rate(v[0]) + f" (`{v[1]}`)", "high"),
        ("2. one trivial call at a time: round trip p50 (tool)", lambda t: seq(t), lambda v: fmt_us(v[0]) + f" (`{v[1]}`)", "low"),
        ("3. `vllm_chat` direct to upstream, p50", lambda t: get(t, "overhead", "directMicros", "p50"), fmt_us, None),
        ("3. `vllm_chat` through the server, p50", lambda t: get(t, "overhead", "throughMicros", "p50"), fmt_us, None),
        ("3. overhead over direct, p50", lambda t: get(t, "overhead", "overheadP50Micros"), fmt_us, "low"),
        ("3. overhead over direct, p99", lambda t: get(t, "overhead", "overheadP99Micros"), fmt_us, "low"),
        ("4. 256 concurrent calls of 100 ms (`vllm_chat` against the double; `slow_echo` for the C plugin): wall, median of 5 rounds", lambda t: get(t, "concurrency", "wallMillis"), fmt_ms, "low"),
        ("4. … first round (cold: connections to the upstream being opened)", lambda t: get(t, "concurrency", "coldWallMillis"), fmt_ms, "low"),
        ("5. upstream's first token → first progress, p50", lambda t: get(t, "streaming", "firstTokenToProgressMicros", "p50"), fmt_us, "low"),
        ("5. … p99", lambda t: get(t, "streaming", "firstTokenToProgressMicros", "p99"), fmt_us, "low"),
        ("6. RSS after spawn + `tools/list`", lambda t: t.get("rssAfterSpawnKiB"), fmt_mb, "low"),
        ("6. RSS after pipelined calls", lambda t: t.get("rssAfterCallsKiB"), fmt_mb, "low"),
        ("6. RSS after sequential `vllm_chat`", lambda t: t.get("rssAfterOverheadKiB"), fmt_mb, "low"),
        ("6. RSS after 256 concurrent calls", lambda t: t.get("rssAfterConcurrencyKiB"), fmt_mb, "low"),
        ("6. RSS after streaming calls", lambda t: t.get("rssAfterStreamingKiB"), fmt_mb, "low"),
        ("6. peak RSS (VmHWM) by then", lambda t: t.get("hwmAfterConcurrencyKiB") or t.get("hwmAfterCallsKiB"), fmt_mb, "low"),

    ]
    labels = []
    for t in data["targets"]:
        for k in (t.get("sizesBytes") or {}):
            if k not in labels:
                labels.append(k)
    for k in labels:
        out.append((f"6. size: {k}", lambda t, k=k: get(t, "sizesBytes", k), fmt_size, None))
    return out


def cell(data, target, getter, formatter, better):
    v = getter(target)
    if v is None:
        return "–"
    text = formatter(v)
    ref_name = REFERENCE.get(target["name"])
    ref = next((t for t in data["targets"] if t["name"] == ref_name), None)
    if better and ref is not None:
        r = getter(ref)
        if isinstance(v, tuple):
            v = v[0]
            r = r[0] if r else None
        if r:
            ratio = v / r if better == "low" else r / v
            text += f" ({ratio:.1f}×)" if ratio < 100 else f" ({ratio:,.0f}×)"
    return text


def goals(data):
    ts = {t["name"]: t for t in data["targets"]}
    c, v = ts.get("toolhost-c", {}), ts.get("toolhost-vllm", {})
    first = lambda t, key: next(iter((t.get("calls") or {}).values()), {}).get(key)
    g = []

    def add(goal, value, limit, fmt, ok_if="le"):
        if value is None:
            g.append((goal, "not measured", "–"))
            return
        if ok_if == "report":
            g.append((goal, fmt(value), "reported"))
            return
        ok = value <= limit if ok_if == "le" else value >= limit
        g.append((goal, fmt(value), "met" if ok else "**missed**"))

    add("spawn → first `initialize` answer ≤ 5 ms (C plugin)", get(c, "spawn", "initialize", "ms", "p50"), 5, fmt_ms)
    add("spawn → first `server/discover` answer ≤ 5 ms (C plugin)", get(c, "spawn", "server/discover", "ms", "p50"), 5, fmt_ms)
    add("spawn → first `initialize` answer ≤ 5 ms (vLLM plugin)", get(v, "spawn", "initialize", "ms", "p50"), 5, fmt_ms)
    add("trivial calls ≥ 50,000/s pipelined (C `echo`)", first(c, "callsPerSecond"), 50000, fmt_rate, "ge")
    typed = ts.get("toolhost-typed", {})
    for tool, entry in (typed.get("calls") or {}).items():
        add(f"typed native function calls ≥ 50,000/s (`{tool}` through libffi)", entry.get("callsPerSecond"), 50000, fmt_rate, "ge")
    add("`vllm_chat` overhead ≤ 200 µs p50", get(v, "overhead", "overheadP50Micros"), 200, fmt_us)
    wall = get(v, "concurrency", "wallMillis")
    lat = get(v, "concurrency", "latencyMillis") or 100
    add("256 concurrent: wall ≤ 1.2 × upstream latency", None if wall is None else wall / lat, 1.2, lambda x: f"{x:.2f}× ({wall:.1f} ms)")
    add("RSS ≤ 12 MB, C plugin only (after spawn)", c.get("rssAfterSpawnKiB"), 12 * 1024, fmt_mb)
    add("RSS ≤ 12 MB, C plugin only (after pipelined calls)", c.get("rssAfterCallsKiB"), 12 * 1024, fmt_mb)
    add("RSS ≤ 12 MB, C plugin only (after 256 concurrent `slow_echo`)", c.get("rssAfterConcurrencyKiB"), 12 * 1024, fmt_mb)
    add("256 concurrent, host alone (C `slow_echo`, 100 ms): wall ≤ 1.2 × latency", None if get(c, "concurrency", "ratio") is None else get(c, "concurrency", "ratio"), 1.2, lambda x: f"{x:.2f}×")
    add("RSS ≤ 20 MB, vLLM plugin loaded (after spawn + `tools/list`)", v.get("rssAfterSpawnKiB"), 20 * 1024, fmt_mb)
    add("RSS ≤ 20 MB, vLLM plugin, after sequential `vllm_chat`", v.get("rssAfterOverheadKiB"), 20 * 1024, fmt_mb)
    add("RSS ≤ 20 MB, vLLM plugin, after 256 concurrent", v.get("rssAfterConcurrencyKiB"), 20 * 1024, fmt_mb)
    add("peak RSS ≤ 20 MB, vLLM plugin, during 256 concurrent", v.get("hwmAfterConcurrencyKiB"), 20 * 1024, fmt_mb)
    # Issue 14: the cost of running a plugin in a runner process, side by side with in process.
    ci, vi = ts.get("toolhost-c-isolated", {}), ts.get("toolhost-vllm-isolated", {})
    add("isolated trivial calls ≥ 100,000/s pipelined (C `echo` in a runner)", first(ci, "callsPerSecond"), 100000, fmt_rate, "ge")
    rt, rti = first(c, "sequentialMicros"), first(ci, "sequentialMicros")
    ratio = None if not (rt and rti) else rti["p50"] / rt["p50"]
    add("isolated round trip ≤ 2 × in process (C `echo`, one at a time, p50)", ratio, 2,
        lambda x: f"{x:.2f}× ({rti['p50']:.0f} µs vs {rt['p50']:.0f} µs)")
    # Issue 14 lets the first-party vLLM plugin stay in process when the numbers argue for it,
    # and `--isolation auto` keeps it there: the spawn as shipped, and forced into a runner.
    add("spawn → first `initialize` answer ≤ 10 ms, vLLM plugin as shipped (`auto`: in process)", get(v, "spawn", "initialize", "ms", "p50"), 10, fmt_ms)
    add("spawn → first `initialize` answer ≤ 10 ms, vLLM plugin forced isolated", get(vi, "spawn", "initialize", "ms", "p50"), 10, fmt_ms)
    add("host + runner RSS, C plugin isolated (after pipelined calls; reported)", ci.get("rssAfterCallsKiB"), 0, fmt_mb, "report")
    add("host + runner RSS, vLLM plugin isolated (after sequential `vllm_chat`; reported)", vi.get("rssAfterOverheadKiB"), 0, fmt_mb, "report")
    return g


def markdown(data, chart_name):
    meta, machine = data.get("meta", {}), data.get("machine", {})
    lines = [BEGIN, ""]
    lines.append(f"**Run:** {meta.get('date', '?')}, commit `{meta.get('commit', '?')}`"
                 + (" (quick mode: short runs, for smoke testing only)" if meta.get("quick") else "")
                 + f", {meta.get('seconds', 0):.0f} s.  ")
    lines.append(f"**Machine:** {machine.get('os', '?')}, {machine.get('kernel', '?')}, {machine.get('cpus', '?')} × {machine.get('cpu', '?')}, "
                 f"{machine.get('memory', '?')}; {meta.get('swift', '')}; {meta.get('python', '')}.  ")
    load = data.get("load", {})
    lines.append("**Load average (1/5/15 min) at each checkpoint** (it counts the bench's own servers too): "
                 + ", ".join(f"{k} {'/'.join(f'{x:.2f}' for x in v['loadAverage'])}" for k, v in load.items()) + ".  ")
    lines.append("**CPU used by other processes** (not the bench, its servers or the upstream), share of both cores, per phase: "
                 + ", ".join(f"{k} {100 * v.get('otherCPUShare', 0):.0f}%" for k, v in list(load.items())[1:]) + ".")
    lines.append("")
    targets = data["targets"]
    lines.append("| | " + " | ".join(t["label"] for t in targets) + " |")
    lines.append("|---|" + "---|" * len(targets))
    for title, getter, formatter, better in rows(data):
        cells = [cell(data, t, getter, formatter, better) for t in targets]
        if all(c == "–" for c in cells):
            continue
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("In brackets: how many times worse than the toolhost configuration doing the same job "
                 "(toolhost + vLLM plugin for the Python vLLM server, toolhost + C plugin for the echo servers).")
    answers = []
    for t in targets:
        for method in ("initialize", "server/discover"):
            a = get(t, "spawn", method, "answer")
            if a and a != "result":
                answers.append(f"{t['label']} answers `{method}` with {a}")
    if answers:
        lines.append("The first answer is an error where a server does not know the method: " + "; ".join(answers) + ".")
    lines.append("")
    checks = data.get("checks", {})
    lines.append("**Checks that the measuring side is not the bottleneck:**")
    lines.append("")
    if "benchCeilingCallsPerSecond" in checks:
        lines.append(f"- the same pipelined run against `cat` (answers every request line at once): "
                     f"{checks['benchCeilingCallsPerSecond']:,.0f} lines/s, the bench's own ceiling for scenario 2;")
    d = checks.get("upstreamDirectConcurrency")
    if d:
        lines.append(f"- the vLLM double alone, {d['inFlight']} concurrent direct requests of {d['latencyMillis']} ms: "
                     f"{d['wallMillis']:.1f} ms wall ({d['ratio']:.2f}× its latency; first round {d['coldWallMillis']:.1f} ms);")
    for t in targets:
        cpu = get(t, "overhead", "upstreamCPUMillisPerRequest")
        if cpu is not None:
            lines.append(f"- the double's CPU time per request during scenario 3 with {t['label']}: {cpu * 1000:.0f} µs;")
    lines.append("")
    failures = data.get("failures") or {}
    if failures:
        lines.append("**Failures in this run:** " + "; ".join(f"{k}: {v}" for k, v in failures.items()))
        lines.append("")
    lines.append("**Goals (issues 7 and 14):**")
    lines.append("")
    lines.append("| goal | measured | |")
    lines.append("|---|---|---|")
    for goal, value, verdict in goals(data):
        lines.append(f"| {goal} | {value} | {verdict} |")
    lines.append("")
    lines.append(f"![comparison chart]({chart_name})")
    lines.append("")
    lines.append(END)
    return "\n".join(lines)


def chart(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    targets = data["targets"]
    short = {
        "toolhost-c": "toolhost\n+ C plugin",
        "toolhost-c-isolated": "toolhost + C\nplugin, isolated",
        "toolhost-vllm": "toolhost\n+ vLLM plugin",
        "toolhost-vllm-library": "toolhost +\nlibVLLM.so",
        "toolhost-vllm-isolated": "toolhost + vLLM\nplugin, isolated",
        "toolhost-typed": "toolhost typed\nC function (libffi)",
        "python-vllm": "Python\nvllm-mcp-server",
        "fastmcp-echo": "FastMCP echo\n(mcp 2.3.0)",
        "swift-sdk-echo": "swift-sdk\necho",
    }
    colors = {"toolhost-typed": "#a6dba0", "toolhost-c": "#1b7837", "toolhost-c-isolated": "#4d9221", "toolhost-vllm": "#5aae61", "toolhost-vllm-library": "#7fbc41", "toolhost-vllm-isolated": "#b8e186", "python-vllm": "#c2a5cf", "fastmcp-echo": "#762a83", "swift-sdk-echo": "#e08214"}
    panels = [
        ("1. spawn → first answer (initialize), ms\nlower is better, log scale", lambda t: get(t, "spawn", "initialize", "ms", "p50"), True),
        ("2. trivial calls pipelined, calls/s\nhigher is better, log scale", lambda t: next(iter((t.get("calls") or {}).values()), {}).get("callsPerSecond"), True),
        ("3. vllm_chat overhead over a direct request, p50 µs\nlower is better, log scale", lambda t: get(t, "overhead", "overheadP50Micros"), True),
        ("4. 256 concurrent calls of 100 ms, wall ms\n(vllm_chat; C plugin: slow_echo, no upstream)", lambda t: get(t, "concurrency", "wallMillis"), False),
        ("6. resident memory after the server's last scenario, MB\nlower is better", lambda t: (t.get("rssAfterConcurrencyKiB") or t.get("rssAfterCallsKiB") or t.get("rssAfterOverheadKiB") or t.get("rssAfterSpawnKiB") or 0) / 1024 or None, False),
        ("5. upstream's first token → client's first progress,\nµs p50 (toolhost only; Python server has no progress)", lambda t: get(t, "streaming", "firstTokenToProgressMicros", "p50"), False),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    for ax, (title, getter, log) in zip(axes.flat, panels):
        names, values = [], []
        for t in targets:
            v = getter(t)
            if v is not None and v > 0:
                names.append(t["name"])
                values.append(v)
        ax.set_title(title, fontsize=10)
        if not values:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        y = range(len(values))
        ax.barh(list(y), values, color=[colors.get(n, "#888") for n in names])
        ax.set_yticks(list(y))
        ax.set_yticklabels([short.get(n, n) for n in names], fontsize=8)
        ax.invert_yaxis()
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        if title.startswith("4."):
            lat = next((get(t, "concurrency", "latencyMillis") for t in targets if get(t, "concurrency")), None)
            direct = get(data, "checks", "upstreamDirectConcurrency", "wallMillis")
            if lat:
                ax.axvline(lat, color="#444", linestyle="--", linewidth=1)
                ax.text(lat, len(values) - 0.5, " upstream latency", fontsize=7, color="#444", va="bottom")
            if direct:
                ax.axvline(direct, color="#2166ac", linestyle=":", linewidth=1)
                ax.text(direct, -0.45, f" upstream alone {direct:.0f}", fontsize=7, color="#2166ac", va="top")
        for i, v in enumerate(values):
            label = f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"
            ax.text(v, i, " " + label, va="center", fontsize=8)
        ax.margins(x=0.25)
    meta = data.get("meta", {})
    fig.suptitle(f"toolhost vs Python vllm-mcp-server and the official SDKs — {meta.get('date', '')[:10]}, commit {meta.get('commit', '?')}"
                 + (" (quick mode)" if meta.get("quick") else ""), fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("--chart", required=True)
    p.add_argument("--markdown", required=True)
    a = p.parse_args()
    with open(a.results) as f:
        data = json.load(f)
    chart(data, a.chart)
    section = markdown(data, os.path.basename(a.chart))
    if os.path.exists(a.markdown):
        with open(a.markdown) as f:
            text = f.read()
        if BEGIN in text and END in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    else:
        text = "# Benchmarks\n\n" + section + "\n"
    with open(a.markdown, "w") as f:
        f.write(text)
    print(f"report: wrote {a.markdown} and {a.chart}")


if __name__ == "__main__":
    main()
