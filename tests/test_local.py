"""LocalProxy: every operation reaches the bound object, as Werkzeug's does."""

from __future__ import annotations

import asyncio
import copy
import math
import typing as t
from collections.abc import Callable
from contextvars import ContextVar

import pytest
from werkzeug.local import LocalProxy as WerkzeugProxy

from kolben.local import LocalProxy


def _bound(value: t.Any) -> LocalProxy[t.Any]:
    cv: ContextVar[t.Any] = ContextVar("test_local")
    cv.set(value)
    return LocalProxy(cv)


def test_call_forwards_keyword_arguments() -> None:
    def register(user: str, *, email: str, admin: bool = False) -> tuple[str, str, bool]:
        return user, email, admin

    assert _bound(register)("ada", email="ada@example.org") == ("ada", "ada@example.org", False)
    proxy = LocalProxy(lambda: register)
    assert proxy("bob", email="b@example.org", admin=True) == ("bob", "b@example.org", True)


# Each case: (operation, operand). Run against Kolben's proxy and Werkzeug's
# proxy over equal objects; both must give the same result.
BINARY: list[Callable[[t.Any, t.Any], t.Any]] = [
    lambda a, b: a @ b,
    lambda a, b: divmod(a, b),
    lambda a, b: a**b,
    lambda a, b: a << b,
    lambda a, b: a >> b,
    lambda a, b: a & b,
    lambda a, b: a ^ b,
    lambda a, b: a | b,
    lambda a, b: b / a,
    lambda a, b: b // a,
    lambda a, b: divmod(b, a),
    lambda a, b: b**a,
    lambda a, b: b << a,
    lambda a, b: b >> a,
    lambda a, b: b & a,
    lambda a, b: b ^ a,
    lambda a, b: b | a,
]


class _Mat:
    """Supports ``@`` both ways, so the matmul forwards can be seen."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __matmul__(self, other: t.Any) -> t.Any:
        return ("l", self.n, getattr(other, "n", other))

    def __rmatmul__(self, other: t.Any) -> t.Any:
        return ("r", self.n, other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Mat) and other.n == self.n

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("op", BINARY)
def test_binary_operators_match_werkzeug(op: Callable[[t.Any, t.Any], t.Any]) -> None:
    if op is BINARY[0]:
        left: t.Any = _Mat(3)
        right: t.Any = 4
    else:
        left, right = 6, 3
    assert op(_bound(left), right) == op(WerkzeugProxy(lambda: left), right)


@pytest.mark.parametrize(
    "op",
    [abs, complex, round, math.trunc, math.floor, math.ceil, lambda x: round(x, 1)],
)
def test_unary_numeric_protocols(op: Callable[[t.Any], t.Any]) -> None:
    assert op(_bound(-2.56)) == op(-2.56)


def test_in_place_operators_mutate_and_keep_the_proxy() -> None:
    items = [1]
    proxy = _bound(items)
    same = proxy
    same += [2]
    assert same is proxy
    assert items == [1, 2]
    bits = {1}
    proxy2 = _bound(bits)
    keep = proxy2
    keep |= {3}
    assert keep is proxy2
    assert bits == {1, 3}


def test_comparison_returns_the_objects_own_result() -> None:
    class Expr:
        def __eq__(self, other: object) -> t.Any:
            return ("eq", other)

        def __ne__(self, other: object) -> t.Any:
            return ("ne", other)

        __hash__ = object.__hash__

    proxy = _bound(Expr())
    assert (proxy == 1) == ("eq", 1)
    assert (proxy != 1) == ("ne", 1)
    assert (proxy == 1) == (WerkzeugProxy(Expr) == 1)


def test_copy_and_deepcopy_give_copies_of_the_object() -> None:
    inner = [2]
    value = [1, inner]
    proxy = _bound(value)
    shallow = copy.copy(proxy)
    deep = copy.deepcopy(proxy)
    assert type(shallow) is list
    assert shallow == value
    assert shallow is not value
    assert shallow[1] is inner
    assert deep == value
    assert deep[1] is not inner


def test_isinstance_and_issubclass_through_a_proxied_class() -> None:
    proxy = _bound(int)
    assert isinstance(3, proxy)  # type: ignore[arg-type]
    assert issubclass(bool, proxy)  # type: ignore[arg-type]
    assert not isinstance("x", proxy)  # type: ignore[arg-type]


def test_async_context_manager_and_iterator() -> None:
    events: list[str] = []

    class Resource:
        async def __aenter__(self) -> str:
            events.append("enter")
            return "res"

        async def __aexit__(self, *exc: object) -> None:
            events.append("exit")

    class Counter:
        def __init__(self) -> None:
            self.n = 0

        def __aiter__(self) -> Counter:
            return self

        async def __anext__(self) -> int:
            self.n += 1
            if self.n > 2:
                raise StopAsyncIteration
            return self.n

    async def main() -> list[int]:
        async with _bound(Resource()) as got:
            events.append(got)
        counter = _bound(Counter())
        first = await counter.__anext__()
        return [first] + [n async for n in _bound(Counter())]

    assert asyncio.run(main()) == [1, 1, 2]
    assert events == ["enter", "res", "exit"]


def test_unbound_proxy_still_answers_bool_and_isinstance() -> None:
    proxy: LocalProxy[t.Any] = LocalProxy(ContextVar("never_set"))
    assert not proxy
    assert isinstance(proxy, LocalProxy)
    with pytest.raises(RuntimeError):
        proxy(1, key="v")
