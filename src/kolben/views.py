"""Class-based views: :class:`View` and :class:`MethodView` (layer 4).

A class-based view is turned into a view function with :meth:`View.as_view`
and registered like any other::

    class UserAPI(MethodView):
        def get(self, user_id): ...
        def delete(self, user_id): ...

    app.add_url_rule("/users/<int:user_id>", view_func=UserAPI.as_view("user"))

Async is native: when the view's entry point is ``async def`` (for a
:class:`MethodView`: when every handler is), ``as_view`` returns an
``async def`` view, which Kolben awaits under ASGI and runs on the worker
thread's event loop under WSGI.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Collection

from ._aio import is_async_callable
from .exceptions import MethodNotAllowed
from .globals import current_app, request

if t.TYPE_CHECKING:  # pragma: no cover
    from .typing import ResponseReturnValue, RouteCallable

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The handler names :class:`MethodView` looks for, one per standard verb.
http_method_funcs = frozenset({"get", "post", "head", "options", "delete", "put", "trace", "patch"})


class View:
    """A view written as a class: subclass it and implement :meth:`dispatch_request`.

    Class attributes configure the view function :meth:`as_view` makes:

    - ``methods``: the HTTP methods of the route (None: the route's default, GET).
    - ``provide_automatic_options``: whether OPTIONS is answered automatically
      (None: the app's ``PROVIDE_AUTOMATIC_OPTIONS``).
    - ``decorators``: applied to the view function in list order, so the
      first is the innermost. Decorate here, not on the class.
    - ``init_every_request``: True (the default) creates an instance per
      request; False creates one at :meth:`as_view` and shares it between
      requests and threads, so it must not keep per-request state.
    """

    methods: t.ClassVar[Collection[str] | None] = None
    provide_automatic_options: t.ClassVar[bool | None] = None
    decorators: t.ClassVar[list[Callable[..., t.Any]]] = []
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self, **kwargs: t.Any) -> ResponseReturnValue:
        """Handle the request; the URL variables come as keyword arguments.

        May be ``async def``.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement 'dispatch_request' to handle requests."
        )

    @classmethod
    def _entry_point(cls) -> tuple[str, bool]:
        """The method a request calls and whether it is a coroutine function."""
        return "dispatch_request", is_async_callable(cls.dispatch_request)

    @classmethod
    def as_view(cls, name: str, *class_args: t.Any, **class_kwargs: t.Any) -> RouteCallable:
        """A view function named ``name`` that dispatches to an instance of the class.

        ``class_args`` and ``class_kwargs`` go to the constructor. The
        function carries ``view_class``, ``methods`` and
        ``provide_automatic_options`` for ``add_url_rule``.
        """
        entry, is_async = cls._entry_point()
        view: t.Any
        if cls.init_every_request:

            def instance() -> View:
                return t.cast(View, view.view_class(*class_args, **class_kwargs))

        else:
            shared = cls(*class_args, **class_kwargs)

            def instance() -> View:
                return shared

        if is_async:

            async def view(**kwargs: t.Any) -> t.Any:
                return await getattr(instance(), entry)(**kwargs)

        else:

            def view(**kwargs: t.Any) -> t.Any:
                return getattr(instance(), entry)(**kwargs)

        # Decorators (a login check, a cache) see the final name and module.
        view.__name__ = name
        view.__module__ = cls.__module__
        view.view_class = cls
        for decorator in cls.decorators:
            view = decorator(view)
        view.view_class = cls
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        view.provide_automatic_options = cls.provide_automatic_options
        return t.cast("RouteCallable", view)


class MethodView(View):
    """A view with one method per HTTP verb: ``get``, ``post``, ``delete``...

    ``methods`` is derived from the handlers the class (and its bases)
    define. HEAD falls back to ``get``. Handlers may be ``async def``.

    Only the handlers of standard verbs, and of methods listed explicitly in
    ``methods`` (``methods = ["GET", "PROPFIND"]`` with a ``propfind``
    handler), are ever called: any other method, or one without a handler,
    is answered 405 with an ``Allow`` header, never dispatched to some other
    attribute of the class.
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            base_methods = getattr(base, "methods", None)
            if base_methods:
                methods.update(m.upper() for m in base_methods)
        methods.update(name.upper() for name in http_method_funcs if hasattr(cls, name))
        if methods:
            cls.methods = methods

    @classmethod
    def _handler_names(cls) -> set[str]:
        names = {m.lower() for m in cls.methods or ()}
        if "get" in names:
            names.add("head")
        return {n for n in names if cls._is_dispatchable(n)}

    @classmethod
    def _is_dispatchable(cls, name: str) -> bool:
        """Whether ``name`` may be called as the handler of a request method.

        Standard verbs always; other methods only when ``methods`` lists
        them, and never a private name or an attribute of the base classes
        (``dispatch_request``, ``as_view``...).
        """
        if name in http_method_funcs:
            return True
        if not name.isidentifier() or name.startswith("_") or hasattr(MethodView, name):
            return False
        return any(m.lower() == name for m in cls.methods or ())

    @classmethod
    def _entry_point(cls) -> tuple[str, bool]:
        if cls.dispatch_request is not MethodView.dispatch_request:
            return super()._entry_point()
        handlers = [getattr(cls, n, None) for n in cls._handler_names()]
        handlers = [h for h in handlers if h is not None]
        # A class whose handlers are all async gets an async view, awaited
        # natively under ASGI; a mixed class is a sync view (a worker thread
        # under ASGI) that runs its async handlers to completion, as Flask does.
        if handlers and all(is_async_callable(h) for h in handlers):
            return "_dispatch_async", True
        return "dispatch_request", False

    def _handler(self) -> Callable[..., t.Any]:
        method = request.method
        name = method.lower()
        handler = None
        if type(self)._is_dispatchable(name):
            handler = getattr(self, name, None)
            if handler is None and name == "head":
                handler = getattr(self, "get", None)
        if handler is None or not callable(handler):
            raise MethodNotAllowed(valid_methods=self._allowed_methods())
        return t.cast(Callable[..., t.Any], handler)

    def _allowed_methods(self) -> list[str]:
        cls = type(self)
        allowed = {n.upper() for n in cls._handler_names() if callable(getattr(self, n, None))}
        if "GET" in allowed:
            allowed.add("HEAD")
        rule = request.url_rule
        if rule is not None:
            if rule.provide_automatic_options:
                allowed.add("OPTIONS")
            if rule.methods is not None:
                allowed &= set(rule.methods)
        return sorted(allowed)

    def dispatch_request(self, **kwargs: t.Any) -> ResponseReturnValue:
        """Call the handler named after the request's method (HEAD uses ``get``)."""
        handler = self._handler()
        return t.cast("ResponseReturnValue", current_app.ensure_sync(handler)(**kwargs))

    async def _dispatch_async(self, **kwargs: t.Any) -> ResponseReturnValue:
        return t.cast("ResponseReturnValue", await self._handler()(**kwargs))
