#!/usr/bin/env python3
"""Draws the table of bench/results/latest.md as a bar chart: results/chart.svg.

Usage: python3 bench/chart.py bench/results

One row per figure of the table that has a value for each runtime (times and memory), with
hako, runc and crun side by side; each row is scaled to its own largest value, since the
figures range from milliseconds to seconds, and every bar is labelled with its value. Reads
the table report.py wrote, so the chart and the table cannot disagree. Plain SVG, no library.
"""
import html
import os
import re
import sys

RUNTIMES = ("hako", "runc", "crun")
COLORS = {"hako": "#2f6fba", "runc": "#9a9a9a", "crun": "#d08c2b"}
UNITS = {"ms": 1e-3, "s": 1.0, "KiB": 1.0, "MiB": 1024.0}
VALUE = re.compile(r"^([0-9.]+) (ms|s|KiB|MiB)$")


def parse(cell):
    """'20.1 ms' -> (0.0201, 'time'); '8.4 MiB' -> (8601.6, 'memory'); anything else -> None."""
    m = VALUE.match(cell.strip())
    if not m:
        return None
    kind = "time" if m.group(2) in ("ms", "s") else "memory"
    return float(m.group(1)) * UNITS[m.group(2)], kind


def rows(markdown):
    """The figures of the first table whose header is | figure | hako | runc | crun | ...."""
    out, header = [], None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            if header:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            if cells[:4] == ["figure", *RUNTIMES]:
                header = cells
            continue
        if set(cells[0]) <= {"-", " "}:
            continue
        values = [parse(c) for c in cells[1:4]]
        if all(values):
            label = re.sub(r"`", "", cells[0]).strip()
            out.append((label, [(cells[i + 1], values[i][0]) for i in range(3)], values[0][1]))
    return out


def svg(figures, title):
    label_w, bar_w, bar_h, gap, top = 330, 380, 13, 16, 58
    width = label_w + bar_w + 90
    height = top + len(figures) * (3 * bar_h + gap) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, runtime in enumerate(RUNTIMES):
        x = label_w + i * 80
        parts.append(f'<rect x="{x}" y="34" width="12" height="12" fill="{COLORS[runtime]}"/>')
        parts.append(f'<text x="{x + 17}" y="44">{runtime}</text>')
    parts.append(f'<text x="{width - 10}" y="44" text-anchor="end" fill="#666">shorter is better</text>')
    y = top
    for label, values, _ in figures:
        largest = max(v for _, v in values) or 1
        block = 3 * bar_h
        for line_no, text in enumerate(wrap(label, 50)):
            parts.append(f'<text x="10" y="{y + 12 + line_no * 14}">{html.escape(text)}</text>')
        for i, (runtime, (shown, value)) in enumerate(zip(RUNTIMES, values)):
            w = max(1.0, bar_w * value / largest)
            by = y + i * bar_h
            parts.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" fill="{COLORS[runtime]}"/>')
            parts.append(f'<text x="{label_w + w + 5:.1f}" y="{by + bar_h - 3}" font-size="11">{html.escape(shown)}</text>')
        y += block + gap
        parts.append(f'<line x1="10" x2="{width - 10}" y1="{y - gap / 2}" y2="{y - gap / 2}" stroke="#e4e4e4"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def wrap(text, limit):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
    with open(os.path.join(out, "latest.md")) as f:
        figures = rows(f.read())
    if not figures:
        sys.exit(f"chart: no figure with values for {', '.join(RUNTIMES)} in {out}/latest.md")
    path = os.path.join(out, "chart.svg")
    with open(path, "w") as f:
        f.write(svg(figures, "hako, runc and crun: medians of bench/run.sh (bench/results/latest.md)"))
    print(f"chart: {len(figures)} figures in {path}")


if __name__ == "__main__":
    main()
