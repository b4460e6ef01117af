"""Time Kolben's router against Werkzeug's on the same rules.

Run: ``.venv/bin/python bench/bench_routing.py`` (Werkzeug must be installed;
it is only imported here, never by Kolben). Prints microseconds per call,
best of several runs, and Werkzeug's time divided by Kolben's.

The map: ``/r0/<int:id>`` .. ``/r99/<int:id>``, the static page ``/about``,
then as the 102nd rule ``/users/<int:user_id>/posts/<slug>``, then ``/`` and
a static files rule. The machine may be busy: numbers vary by tens of percent
between runs, the ratios less.
Each case guards a ``# PERF:`` trick in ``kolben.routing``:

- static match: the ``Map._static`` dict (three lookups);
- dynamic match: the greedy first-branch descent and the ``K_STR``/``K_UINT``
  edge kinds that skip regexes;
- path match: the ``K_TAIL`` edge (one fullmatch over the rest);
- build: the per-rule builder (a join) and ``quote_url_part``'s fast check.
"""

from __future__ import annotations

import timeit
import types
import typing as t
from collections.abc import Callable

import werkzeug.routing as wz

import kolben.routing as kr

NUMBER = 20_000
REPEAT = 7


def rules(module: types.ModuleType) -> list[t.Any]:
    """The benchmark's rules, built with ``module.Rule`` (Kolben's or Werkzeug's)."""
    out: list[t.Any] = [module.Rule(f"/r{i}/<int:id>", endpoint=f"r{i}") for i in range(100)]
    out.append(module.Rule("/about", endpoint="about", methods=["GET"]))
    out.append(
        module.Rule("/users/<int:user_id>/posts/<slug>", endpoint="post", methods=["GET", "POST"])
    )
    out.append(module.Rule("/", endpoint="index", methods=["GET"]))
    out.append(module.Rule("/static/<path:filename>", endpoint="static", methods=["GET"]))
    return out


def best(func: Callable[[], object]) -> float:
    """Microseconds per call, best of REPEAT runs."""
    return min(timeit.repeat(func, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def catching(func: Callable[[], object], exc: type[BaseException]) -> Callable[[], object]:
    def call() -> object:
        try:
            return func()
        except exc:
            return None

    return call


def main() -> None:
    kmap = kr.Map(rules(kr))
    wmap = wz.Map(rules(wz))
    kad = kmap.bind("example.com")
    wad = wmap.bind("example.com")
    fast = kmap.match_fast
    dyn = "/users/123/posts/hello-world"
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("match_fast static /about", lambda: fast("/about", "GET"), lambda: wad.match("/about")),
        ("match_fast " + dyn, lambda: fast(dyn, "GET"), lambda: wad.match(dyn)),
        ("match_fast /r57/42", lambda: fast("/r57/42", "GET"), lambda: wad.match("/r57/42")),
        (
            "match_fast /static/css/app.css",
            lambda: fast("/static/css/app.css", "GET"),
            lambda: wad.match("/static/css/app.css"),
        ),
        (
            "match_fast 404 /nope/x",
            catching(lambda: fast("/nope/x", "GET"), Exception),
            catching(lambda: wad.match("/nope/x"), Exception),
        ),
        ("MapAdapter.match static", lambda: kad.match("/about"), lambda: wad.match("/about")),
        ("MapAdapter.match dynamic", lambda: kad.match(dyn), lambda: wad.match(dyn)),
        (
            "build_fast post",
            lambda: kmap.build_fast("post", {"user_id": 123, "slug": "hello-world"}),
            lambda: wad.build("post", {"user_id": 123, "slug": "hello-world"}),
        ),
        (
            "MapAdapter.build post",
            lambda: kad.build("post", {"user_id": 123, "slug": "hello-world"}),
            lambda: wad.build("post", {"user_id": 123, "slug": "hello-world"}),
        ),
        (
            "MapAdapter.build + query",
            lambda: kad.build("post", {"user_id": 1, "slug": "x", "page": 2}),
            lambda: wad.build("post", {"user_id": 1, "slug": "x", "page": 2}),
        ),
    ]
    # Same answers first: a benchmark of different behaviour is worthless.
    assert kad.match(dyn) == wad.match(dyn)
    assert kad.build("post", {"user_id": 1, "slug": "x"}) == wad.build(
        "post", {"user_id": 1, "slug": "x"}
    )
    print(f"{'case':<36} {'kolben us':>10} {'werkzeug us':>12} {'ratio':>7}")
    for name, kolben_call, werkzeug_call in cases:
        k = best(kolben_call)
        w = best(werkzeug_call)
        print(f"{name:<36} {k:>10.3f} {w:>12.3f} {w / k:>6.1f}x")


if __name__ == "__main__":
    main()
