"""Context-bound proxies over :mod:`contextvars` (layer 4).

A :class:`LocalProxy` stands for "the object bound right now": the
``request`` of the current request, the ``current_app`` of the current app
context. Because the binding lives in a :class:`contextvars.ContextVar`, it
is correct on threads and on asyncio tasks alike.
"""

from __future__ import annotations

import copy
import math
import operator
import typing as t
from collections.abc import Callable
from contextvars import ContextVar

__all__ = ["LocalProxy"]

T = t.TypeVar("T")

_UNBOUND = "object is not bound"
# Names the proxy answers itself (``__class__`` falls back to the proxy's own
# class when unbound, so isinstance() never raises).
_OWN_NAMES = frozenset({"_get_current_object", "__wrapped__", "__class__", "__dict__", "__doc__"})


def _make_getter(
    local: ContextVar[t.Any] | Callable[[], t.Any], name: str | None, unbound_message: str
) -> Callable[[], t.Any]:
    if isinstance(local, ContextVar):
        cv = local
        if name is None:

            def get_value() -> t.Any:
                try:
                    return cv.get()
                except LookupError:
                    raise RuntimeError(unbound_message) from None

        else:
            attr = name

            # PERF: a closure over the ContextVar and the attribute name is the
            # cheapest resolution Python offers; every `request.x` pays it.
            def get_value() -> t.Any:
                try:
                    obj = cv.get()
                except LookupError:
                    raise RuntimeError(unbound_message) from None
                return getattr(obj, attr)

        return get_value
    if callable(local):
        func = local
        if name is None:
            return func
        attr2 = name

        def get_attr() -> t.Any:
            return getattr(func(), attr2)

        return get_attr
    raise TypeError(f"LocalProxy needs a ContextVar or a callable, not {type(local).__name__}.")


def _forward(op: Callable[..., t.Any]) -> Callable[..., t.Any]:
    def method(self: LocalProxy[t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        return op(object.__getattribute__(self, "_get_current_object")(), *args, **kwargs)

    method.__name__ = getattr(op, "__name__", "proxy_method")
    return method


def _reflected(op: Callable[[t.Any, t.Any], t.Any]) -> Callable[..., t.Any]:
    def method(self: LocalProxy[t.Any], other: t.Any) -> t.Any:
        return op(other, object.__getattribute__(self, "_get_current_object")())

    return method


def _in_place(op: Callable[[t.Any, t.Any], t.Any]) -> Callable[..., t.Any]:
    # `proxy += x` rebinds the name to whatever __iadd__ returns: apply the
    # operation to the bound object and hand back the proxy, so the name
    # keeps pointing at the proxy (Werkzeug's behaviour).
    def method(self: LocalProxy[t.Any], other: t.Any) -> t.Any:
        op(object.__getattribute__(self, "_get_current_object")(), other)
        return self

    return method


def _named(name: str) -> Callable[..., t.Any]:
    # Protocols whose method is looked up on the object (``with``,
    # ``async with``, ``await``, ``async for``).
    def call(obj: t.Any, *args: t.Any) -> t.Any:
        return getattr(obj, name)(*args)

    return _forward(call)


class LocalProxy(t.Generic[T]):
    """Forward every operation to the object a context variable holds now.

    ``LocalProxy(cv)`` proxies ``cv.get()``; ``LocalProxy(cv, "request")``
    proxies ``cv.get().request``; ``LocalProxy(func)`` proxies ``func()``.
    Using an unbound proxy raises :class:`RuntimeError` with
    ``unbound_message``, except ``bool(proxy)``, which is ``False``.
    """

    __slots__ = ("__wrapped", "_get_current_object")

    _get_current_object: Callable[[], T]

    def __new__(
        cls,
        local: ContextVar[t.Any] | Callable[[], t.Any],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> LocalProxy[T]:
        if cls is LocalProxy and isinstance(local, ContextVar):
            cls = _specialised_class(local, name, unbound_message or _UNBOUND)
        return object.__new__(cls)

    def __init__(
        self,
        local: ContextVar[t.Any] | Callable[[], t.Any],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        object.__setattr__(self, "_LocalProxy__wrapped", local)
        object.__setattr__(
            self,
            "_get_current_object",
            _make_getter(local, name, unbound_message or _UNBOUND),
        )

    # PERF: __getattribute__ rather than __getattr__: with __getattr__,
    # Python first fails a normal lookup on the proxy (raising and catching
    # an AttributeError) before forwarding; `request.args` is hot enough
    # for that to show in every benchmark case.
    def __getattribute__(self, name: str) -> t.Any:
        get = object.__getattribute__(self, "_get_current_object")
        if name in _OWN_NAMES:
            if name == "_get_current_object":
                return get
            if name == "__wrapped__":
                return object.__getattribute__(self, "_LocalProxy__wrapped")
            try:
                return getattr(get(), name)
            except RuntimeError:
                # An unbound proxy still answers isinstance() and repr().
                return object.__getattribute__(self, name)
        return getattr(get(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(object.__getattribute__(self, "_get_current_object")(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(object.__getattribute__(self, "_get_current_object")(), name)

    def __repr__(self) -> str:
        try:
            obj = object.__getattribute__(self, "_get_current_object")()
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        return repr(obj)

    def __bool__(self) -> bool:
        try:
            return bool(object.__getattribute__(self, "_get_current_object")())
        except RuntimeError:
            return False

    def __dir__(self) -> list[str]:
        try:
            return dir(object.__getattribute__(self, "_get_current_object")())
        except RuntimeError:
            return []

    # The comparison's own result, not bool(): SQLAlchemy columns and numpy
    # arrays behind a proxy answer ``==`` with an expression.
    def __eq__(self, other: object) -> t.Any:
        return object.__getattribute__(self, "_get_current_object")() == other

    def __ne__(self, other: object) -> t.Any:
        return object.__getattribute__(self, "_get_current_object")() != other

    def __hash__(self) -> int:
        return hash(object.__getattribute__(self, "_get_current_object")())

    __str__ = _forward(str)
    __bytes__ = _forward(bytes)
    __format__ = _forward(format)
    __lt__ = _forward(operator.lt)
    __le__ = _forward(operator.le)
    __gt__ = _forward(operator.gt)
    __ge__ = _forward(operator.ge)
    __call__ = _forward(lambda obj, *a, **kw: obj(*a, **kw))
    __instancecheck__ = _forward(lambda obj, other: isinstance(other, obj))
    __subclasscheck__ = _forward(lambda obj, other: issubclass(other, obj))
    __len__ = _forward(len)
    __length_hint__ = _forward(operator.length_hint)
    __getitem__ = _forward(operator.getitem)
    __setitem__ = _forward(operator.setitem)
    __delitem__ = _forward(operator.delitem)
    __iter__ = _forward(iter)
    __next__ = _forward(next)
    __reversed__ = _forward(reversed)
    __contains__ = _forward(operator.contains)
    __add__ = _forward(operator.add)
    __sub__ = _forward(operator.sub)
    __mul__ = _forward(operator.mul)
    __matmul__ = _forward(operator.matmul)
    __truediv__ = _forward(operator.truediv)
    __floordiv__ = _forward(operator.floordiv)
    __mod__ = _forward(operator.mod)
    __divmod__ = _forward(divmod)
    __pow__ = _forward(pow)
    __lshift__ = _forward(operator.lshift)
    __rshift__ = _forward(operator.rshift)
    __and__ = _forward(operator.and_)
    __or__ = _forward(operator.or_)
    __xor__ = _forward(operator.xor)
    __radd__ = _reflected(operator.add)
    __rsub__ = _reflected(operator.sub)
    __rmul__ = _reflected(operator.mul)
    __rmatmul__ = _reflected(operator.matmul)
    __rtruediv__ = _reflected(operator.truediv)
    __rfloordiv__ = _reflected(operator.floordiv)
    __rmod__ = _reflected(operator.mod)
    __rdivmod__ = _reflected(divmod)
    __rpow__ = _reflected(pow)
    __rlshift__ = _reflected(operator.lshift)
    __rrshift__ = _reflected(operator.rshift)
    __rand__ = _reflected(operator.and_)
    __rxor__ = _reflected(operator.xor)
    __ror__ = _reflected(operator.or_)
    __iadd__ = _in_place(operator.iadd)
    __isub__ = _in_place(operator.isub)
    __imul__ = _in_place(operator.imul)
    __imatmul__ = _in_place(operator.imatmul)
    __itruediv__ = _in_place(operator.itruediv)
    __ifloordiv__ = _in_place(operator.ifloordiv)
    __imod__ = _in_place(operator.imod)
    __ipow__ = _in_place(operator.ipow)
    __ilshift__ = _in_place(operator.ilshift)
    __irshift__ = _in_place(operator.irshift)
    __iand__ = _in_place(operator.iand)
    __ixor__ = _in_place(operator.ixor)
    __ior__ = _in_place(operator.ior)
    __neg__ = _forward(operator.neg)
    __pos__ = _forward(operator.pos)
    __abs__ = _forward(abs)
    __invert__ = _forward(operator.invert)
    __complex__ = _forward(complex)
    __int__ = _forward(int)
    __float__ = _forward(float)
    __index__ = _forward(operator.index)
    __round__ = _forward(round)
    __trunc__ = _forward(math.trunc)
    __floor__ = _forward(math.floor)
    __ceil__ = _forward(math.ceil)
    __enter__ = _named("__enter__")
    __exit__ = _named("__exit__")
    __await__ = _named("__await__")
    __aiter__ = _named("__aiter__")
    __anext__ = _named("__anext__")
    __aenter__ = _named("__aenter__")
    __aexit__ = _named("__aexit__")
    __copy__ = _forward(copy.copy)
    __deepcopy__ = _forward(copy.deepcopy)


def _specialised_class(
    cv: ContextVar[t.Any], attr: str | None, unbound_message: str
) -> type[LocalProxy[t.Any]]:
    """A LocalProxy subclass whose attribute access reads ``cv`` directly.

    PERF: ``request.args`` is the hottest line of many views. Resolving it
    through closures and ``object.__getattribute__`` costs about twice what
    one specialised method does; each context-variable proxy gets its own
    small class (a handful per process).
    """
    get = cv.get
    own = _OWN_NAMES
    base_getattribute = LocalProxy.__getattribute__

    if attr is None:

        def __getattribute__(self: LocalProxy[t.Any], name: str) -> t.Any:
            if name in own:
                return base_getattribute(self, name)
            try:
                obj = get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            return getattr(obj, name)

    else:
        field = attr

        def __getattribute__(self: LocalProxy[t.Any], name: str) -> t.Any:
            if name in own:
                return base_getattribute(self, name)
            try:
                obj = get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            return getattr(getattr(obj, field), name)

    return type(
        "LocalProxy",
        (LocalProxy,),
        {
            "__slots__": (),
            "__getattribute__": __getattribute__,
            "__module__": __name__,
            # An unbound proxy answers __doc__ from its class: keep LocalProxy's.
            "__doc__": LocalProxy.__doc__,
        },
    )
