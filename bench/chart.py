#!/usr/bin/env python3
"""Draw the benchmark chart of the docs' Performance page from saved results.

    python bench/run.py --json bench/results-wsgi.json
    python bench/run_asgi.py --json bench/results-asgi.json
    python bench/chart.py bench/results-wsgi.json bench/results-asgi.json

writes ``docs/img/benchmark.png`` (``--out`` to choose): one panel per file,
requests per second of one CPU core (1e6 / microseconds per request) for
each case and framework, Kolben first and in the accent colour. It also
writes the same numbers as Markdown tables to
``docs/snippets/benchmark-tables.md`` (``--tables``), which the Performance
page includes, so the chart and the tables always come from the same run.
Needs matplotlib (the ``bench`` extra); it draws off-screen (the Agg
backend), so no display is needed.
"""

from __future__ import annotations

import argparse
import sys
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "img" / "benchmark.png"
DEFAULT_TABLES = ROOT / "docs" / "snippets" / "benchmark-tables.md"

#: Display names and colours, in the order the bars are drawn.
FRAMEWORKS: dict[str, tuple[str, str]] = {
    "kolben": ("Kolben", "#0f8a7e"),
    "falcon": ("Falcon", "#8c6bb1"),
    "starlette": ("Starlette", "#e6a23c"),
    "bottle": ("Bottle", "#6b8fb1"),
    "flask": ("Flask", "#b0b0b0"),
}
TITLES = {"wsgi": "WSGI", "asgi": "ASGI (async views)"}


def _panel(ax: t.Any, document: dict[str, t.Any]) -> None:
    results: dict[str, dict[str, float]] = document["results"]
    cases = list(results)
    present = [name for name in FRAMEWORKS if all(name in row for row in results.values())]
    height = 0.8 / len(present)
    for index, name in enumerate(present):
        label, colour = FRAMEWORKS[name]
        rates = [1e6 / results[case][name] / 1000 for case in cases]
        positions = [row + (index - (len(present) - 1) / 2) * height for row in range(len(cases))]
        bars = ax.barh(positions, rates, height=height * 0.92, color=colour, label=label)
        for bar, rate in zip(bars, rates, strict=True):
            ax.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {rate:.0f}k",
                va="center",
                fontsize=7,
                color="#333333",
            )
    ax.set_yticks(range(len(cases)), cases)
    ax.invert_yaxis()  # case A at the top
    ax.set_xlabel("thousand requests per second, one core (more is better)")
    title = TITLES.get(document["interface"], document["interface"])
    ax.set_title(f"{title}: {document.get('method', '')}", loc="left")
    ax.grid(axis="x", color="#e5e5e5")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def draw(documents: list[dict[str, t.Any]], out: Path) -> None:
    """Write one PNG with a panel per results document."""
    import matplotlib

    matplotlib.use("Agg")  # off-screen: no display needed
    import matplotlib.pyplot as plt

    heights = [1.2 + 0.75 * len(doc["results"]) for doc in documents]
    fig, axes = plt.subplots(
        len(documents),
        1,
        figsize=(9, sum(heights) + 0.6),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, document in zip(axes[:, 0], documents, strict=True):
        _panel(ax, document)
    first = documents[0]
    versions = ", ".join(f"{k} {v}" for k, v in sorted(first.get("versions", {}).items()))
    fig.text(
        0.01,
        0.005,
        f"Python {first.get('python', '?')}, {first.get('machine', '')},"
        f" {first.get('date', '')}. {versions}",
        fontsize=6.5,
        color="#666666",
    )
    fig.tight_layout(rect=(0, 0.025, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"Wrote {out}")


def tables(documents: list[dict[str, t.Any]]) -> str:
    """The results as Markdown: microseconds per request and Kolben's ratio to each peer."""
    out: list[str] = []
    for document in documents:
        results: dict[str, dict[str, float]] = document["results"]
        peers = [n for n in FRAMEWORKS if n != "kolben" and all(n in r for r in results.values())]
        names = [FRAMEWORKS[n][0] for n in peers]
        title = TITLES.get(document["interface"], document["interface"])
        out.append(f"**{title}**, microseconds per request ({document.get('method', '')}):\n")
        out.append(
            "| case | Kolben | "
            + " | ".join(names)
            + " | "
            + " | ".join(f"Kolben / {name}" for name in names)
            + " |"
        )
        out.append("|---|" + "---:|" * (1 + 2 * len(peers)))
        for case, row in results.items():
            kolben = row["kolben"]
            cells = [f"{row[p]:.2f}" for p in peers]
            ratios = [f"{kolben / row[p]:.2f}x" for p in peers]
            out.append(f"| {case} | **{kolben:.2f}** | " + " | ".join(cells + ratios) + " |")
        floor = document.get("floor")
        if floor:
            out.append(
                f"\nA bare {document['interface'].upper()} callable that returns case A's"
                f" body takes {floor:.2f} µs: the floor no framework can go below.\n"
            )
    first = documents[0]
    versions = ", ".join(f"{k} {v}" for k, v in sorted(first.get("versions", {}).items()))
    out.append(
        f"Measured {first.get('date', '')} on {first.get('machine', '')}, Python"
        f" {first.get('python', '?')}; {versions}."
    )
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="JSON files from run.py/run_asgi.py --json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    parser.add_argument(
        "--tables", type=Path, default=DEFAULT_TABLES, help=f"default: {DEFAULT_TABLES}"
    )
    args = parser.parse_args()
    documents = [load(path) for path in args.results]
    draw(documents, args.out)
    args.tables.parent.mkdir(parents=True, exist_ok=True)
    args.tables.write_text(tables(documents), encoding="utf-8")
    print(f"Wrote {args.tables}")


if __name__ == "__main__":
    main()
