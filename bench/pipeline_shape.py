"""Two shapes for a pipeline written once, measured (docs/decisions/pipeline.md).

    valgrind --tool=callgrind python bench/pipeline_shape.py plain 1000
    valgrind --tool=callgrind python bench/pipeline_shape.py plain 11000

Shape 1, ``plain``/``plain_async``: straight-line methods, which is what a
sync twin generated from an async source looks like. Shape 2,
``gen``/``gen_async``: each step a generator that yields the user callables
it needs, run by a small sync or async driver. The same toy pipeline (two
before hooks, a view, two after hooks) runs N times; instructions per
request = (count at 11,000 - count at 1,000) / 10,000.
"""

from __future__ import annotations

import asyncio
import sys
import typing as t
from collections.abc import Callable, Generator

Step = tuple[Callable[..., t.Any], tuple[t.Any, ...]]


def _before() -> None:
    return None


def _after(response: t.Any) -> t.Any:
    return response


def _view() -> str:
    return "ok"


BEFORE = [_before, _before]
AFTER = [_after, _after]


class Plain:
    """Shape 1, sync: what the generated sync twin looks like."""

    def call(self, func: Callable[..., t.Any], *args: t.Any) -> t.Any:
        return func(*args)

    def preprocess(self) -> t.Any:
        for func in BEFORE:
            rv = self.call(func)
            if rv is not None:
                return rv
        return None

    def process(self, response: t.Any) -> t.Any:
        for func in AFTER:
            response = self.call(func, response)
        return response

    def full(self) -> t.Any:
        rv = self.preprocess()
        if rv is None:
            rv = self.call(_view)
        return self.process(rv)


class PlainAsync:
    """Shape 1, async: the hand-written async source."""

    async def call(self, func: Callable[..., t.Any], *args: t.Any) -> t.Any:
        return func(*args)

    async def preprocess(self) -> t.Any:
        for func in BEFORE:
            rv = await self.call(func)
            if rv is not None:
                return rv
        return None

    async def process(self, response: t.Any) -> t.Any:
        for func in AFTER:
            response = await self.call(func, response)
        return response

    async def full(self) -> t.Any:
        rv = await self.preprocess()
        if rv is None:
            rv = await self.call(_view)
        return await self.process(rv)


def _g_preprocess() -> Generator[Step, t.Any, t.Any]:
    for func in BEFORE:
        rv = yield func, ()
        if rv is not None:
            return rv
    return None


def _g_process(response: t.Any) -> Generator[Step, t.Any, t.Any]:
    for func in AFTER:
        response = yield func, (response,)
    return response


def _g_full() -> Generator[Step, t.Any, t.Any]:
    """Shape 2: the steps yield the callables; a driver calls them."""
    rv = yield from _g_preprocess()
    if rv is None:
        rv = yield _view, ()
    return (yield from _g_process(rv))


def drive_sync(gen: Generator[Step, t.Any, t.Any]) -> t.Any:
    value = None
    try:
        while True:
            func, args = gen.send(value)
            try:
                value = func(*args)
            except Exception as e:  # handed back to the step, as a real driver must
                func, args = gen.throw(e)
                value = func(*args)
    except StopIteration as stop:
        return stop.value


async def drive_async(gen: Generator[Step, t.Any, t.Any]) -> t.Any:
    value = None
    try:
        while True:
            func, args = gen.send(value)
            value = func(*args)
    except StopIteration as stop:
        return stop.value


async def _run_async(shape: str, count: int) -> None:
    plain = PlainAsync()
    for _ in range(count):
        if shape == "plain_async":
            await plain.full()
        else:
            await drive_async(_g_full())


def main() -> None:
    shape, count = sys.argv[1], int(sys.argv[2])
    if shape == "plain":
        plain = Plain()
        for _ in range(count):
            plain.full()
    elif shape == "gen":
        for _ in range(count):
            drive_sync(_g_full())
    elif shape in ("plain_async", "gen_async"):
        asyncio.run(_run_async(shape, count))
    else:
        raise SystemExit("shape: plain, gen, plain_async or gen_async")


if __name__ == "__main__":
    main()
