"""JSON providers: how an app turns Python data into JSON and back (layer 4).

Every app owns one provider, ``app.json``. :class:`JSONProvider` is the
interface; :class:`DefaultJSONProvider` is the standard implementation on
the stdlib :mod:`json` module, which switches to orjson for response bodies
when orjson is installed, without changing a single output byte.
"""

from __future__ import annotations

import codecs
import json
import sys
import typing as t
import uuid
import weakref
from collections.abc import Callable
from datetime import date, datetime, timezone
from email.utils import format_datetime
from json import encoder as _stdlib_encoder

try:
    import orjson
except ImportError:  # pragma: no cover - exercised in a subprocess test
    orjson = None  # type: ignore[assignment]

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class _JSONApp(t.Protocol):
    """What a provider needs from its app."""

    @property
    def debug(self) -> bool: ...

    @property
    def response_class(self) -> Callable[..., t.Any]: ...


def _http_date(value: date) -> str:
    """Format a date or datetime as an RFC 9110 §5.6.7 IMF-fixdate.

    Naive datetimes count as UTC; a plain date is midnight UTC.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        else:
            value = value.astimezone(timezone.utc)
    else:
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return format_datetime(value, usegmt=True)


def _default(o: t.Any) -> t.Any:
    """Convert the extra types Kolben's JSON understands, or raise TypeError."""
    if isinstance(o, date):
        return _http_date(o)
    if isinstance(o, uuid.UUID):
        return str(o)
    # PERF: decimal and dataclasses are not imported by this module (decimal
    # cost ``import kolben`` about 5.5M instructions, bench/instructions.py
    # --imports; dataclasses is loaded by orjson anyway, when installed): an
    # object can be a Decimal or a dataclass instance only if its program has
    # loaded the module, so they are looked up, never imported.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(o, decimal.Decimal):
        return str(o)
    dataclasses = sys.modules.get("dataclasses")
    if dataclasses is not None and dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class JSONProvider:
    """The interface between an app and a JSON library.

    Subclass it, implement :meth:`dumps` and :meth:`loads`, and either set
    ``app.json_provider_class`` to the subclass or assign an instance to
    ``app.json``. :meth:`dump`, :meth:`load`, :meth:`response` and
    :meth:`response_body` are built on those two methods.

    The provider keeps a weak reference to its app, as ``self._app``, so the
    app and its provider do not form a reference cycle.
    """

    #: Content type of the responses :meth:`response` builds.
    mimetype = "application/json"

    def __init__(self, app: t.Any) -> None:
        self._app: _JSONApp = t.cast(_JSONApp, weakref.proxy(app))

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise ``obj`` to a JSON string."""
        raise NotImplementedError(f"{type(self).__name__} must implement dumps()")

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialise ``obj`` and write the text to the file object ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON document given as text or bytes."""
        raise NotImplementedError(f"{type(self).__name__} must implement loads()")

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Read the whole file object ``fp`` and parse it."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError(
                "app.json.response() serialises either positional arguments or"
                " keyword arguments; it was given both."
            )
        if kwargs:
            return kwargs
        if not args:
            return None
        if len(args) == 1:
            return args[0]
        return args

    def response_body(self, obj: t.Any) -> bytes:
        """Return the body bytes :meth:`response` would send for ``obj``."""
        return self.dumps(obj).encode("utf-8")

    def response(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Build a JSON response from the arguments, as :func:`~kolben.json.jsonify` does.

        One positional argument is serialised as it is, several become a
        list, keyword arguments become an object and no argument gives
        ``null``. Passing both positional and keyword arguments is a
        :class:`TypeError`. The result is an instance of
        ``app.response_class`` with :attr:`mimetype`, and its body is
        :meth:`response_body` (for :class:`DefaultJSONProvider`: compact,
        or indented in debug mode, with a trailing newline).
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.response_body(obj), mimetype=self.mimetype)


# --- stdlib encoding ---------------------------------------------------------

_c_make_encoder: t.Any = getattr(_stdlib_encoder, "c_make_encoder", None)
_ENCODER_OPTIONS = frozenset(
    {
        "skipkeys",
        "ensure_ascii",
        "check_circular",
        "allow_nan",
        "sort_keys",
        "indent",
        "separators",
        "default",
    }
)
# Only builtin types, so checking it never calls a user ``default`` hook.
_PROBE = {"b": [1.5, -0.0, 10**20, None, True, "é\x7f\n\u2028😀"], "a": {"z": (), "y": ""}}


class _StdlibEncoder:
    """A stdlib JSON encoder built once for one set of options."""

    __slots__ = ("_c_encode", "_encoder")

    def __init__(self, options: dict[str, t.Any]) -> None:
        self._encoder = json.JSONEncoder(**options)
        self._c_encode: t.Any = None
        enc = self._encoder
        if _c_make_encoder is None or enc.indent is not None or not enc.check_circular:
            return
        if enc.ensure_ascii:
            quote = _stdlib_encoder.encode_basestring_ascii
        else:
            quote = _stdlib_encoder.encode_basestring
        try:
            c_encode = _c_make_encoder(
                None,  # no circular-reference bookkeeping: see encode()
                enc.default,
                quote,
                None,
                enc.key_separator,
                enc.item_separator,
                enc.sort_keys,
                enc.skipkeys,
                enc.allow_nan,
            )
            same = "".join(c_encode(_PROBE, 0)) == enc.encode(_PROBE)
        except Exception:  # pragma: no cover - a future CPython changed the private API
            return
        if same:
            self._c_encode = c_encode

    def encode(self, obj: t.Any) -> str:
        c_encode = self._c_encode
        if c_encode is None:
            return self._encoder.encode(obj)
        try:
            # PERF: JSONEncoder.encode() builds a new C encoder and a markers
            # dict on every call; reusing one C encoder halves the cost for
            # the small documents typical of API responses.
            return "".join(c_encode(obj, 0))
        except RecursionError:
            # Without markers a reference cycle shows up as RecursionError;
            # encoding again with the checks raises the stdlib's ValueError.
            return self._encoder.encode(obj)


_encoders: dict[tuple[tuple[str, t.Any], ...], _StdlibEncoder] = {}
_MAX_CACHED_ENCODERS = 64


def _stdlib_encoder_for(options: dict[str, t.Any]) -> _StdlibEncoder | None:
    """Return a cached encoder for ``options``, or None when they can't be cached."""
    if not _ENCODER_OPTIONS.issuperset(options):
        return None
    key = tuple(sorted(options.items()))
    try:
        # PERF: json.dumps() with any non-default option constructs a new
        # JSONEncoder each call; options repeat, so keep the encoders.
        return _encoders[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable option value, such as a list of separators
        return None
    encoder = _StdlibEncoder(options)
    if len(_encoders) < _MAX_CACHED_ENCODERS:
        _encoders[key] = encoder
    return encoder


# --- orjson encoding ----------------------------------------------------------


class _UseStdlib(Exception):
    """Raised inside orjson's default hook to hand the document to the stdlib."""


# Builtins the stdlib encodes natively. orjson passes their subclasses to
# ``default`` (OPT_PASSTHROUGH_SUBCLASS), and the stdlib should encode them.
_STDLIB_NATIVE = (str, int, float, list, tuple, dict)


def _orjson_default(o: t.Any) -> t.Any:
    if isinstance(o, _STDLIB_NATIVE):
        raise _UseStdlib
    return _default(o)


_ESCAPE_ERRORS = "kolben.json.escape"


def _escape_non_ascii(exc: UnicodeError) -> tuple[str, int]:
    # Called once per run of non-ASCII characters while encoding to ASCII;
    # such characters only occur inside JSON strings, so escaping them the
    # way the stdlib does gives the stdlib's bytes.
    if not isinstance(exc, UnicodeEncodeError):  # pragma: no cover - only registered for encoding
        raise exc
    run = exc.object[exc.start : exc.end]
    return _stdlib_encoder.encode_basestring_ascii(run)[1:-1], exc.end


codecs.register_error(_ESCAPE_ERRORS, _escape_non_ascii)


_INF = float("inf")


def _float_differs(value: float) -> bool:
    """Whether orjson writes ``value`` differently from the stdlib (see below)."""
    magnitude = abs(value)
    # NaN fails every comparison, so it lands in the second test.
    return 0.0 < magnitude < 1e-4 or not magnitude < _INF


def _has_stdlib_float(obj: t.Any) -> bool:
    """Whether ``obj``, as orjson just encoded it, holds a float orjson writes
    differently from the stdlib.

    Only called after orjson succeeded, so ``obj`` is made of what it
    accepts: exact builtins (subclasses went to the stdlib already) and the
    types :func:`_default` converts, whose results are walked too.
    """
    stack = [obj]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        o = pop()
        kind = type(o)
        if kind is float:
            if _float_differs(o):
                return True
        elif kind is dict:
            extend(o.values())  # keys are str: orjson refused any other
        elif kind is list or kind is tuple:
            extend(o)
        elif kind is str or kind is int or kind is bool or o is None:
            continue
        else:
            try:
                push(_default(o))
            except TypeError:
                # A type orjson encodes natively (an Enum, say): let the
                # stdlib decide, as it would without orjson.
                return True
    return False


class _CompactPlan:
    """How to produce compact response bodies for one set of provider options."""

    __slots__ = ("_ensure_ascii", "_option", "_stdlib", "key")

    def __init__(self, key: tuple[str, bool, bool, Callable[[t.Any], t.Any]]) -> None:
        backend, ensure_ascii, sort_keys, default = key
        self.key = key
        self._ensure_ascii = ensure_ascii
        self._stdlib = _StdlibEncoder(
            {
                "default": default,
                "ensure_ascii": ensure_ascii,
                "sort_keys": sort_keys,
                "separators": (",", ":"),
            }
        )
        self._option: int | None = None
        if backend == "json":
            return
        if backend != "orjson":
            raise ValueError(f"Unknown JSON backend {backend!r}; use 'orjson' or 'json'.")
        if orjson is None:
            raise RuntimeError("The 'orjson' JSON backend needs orjson: pip install orjson")
        # orjson's own encodings of datetimes and UUIDs differ from Kolben's,
        # so with a custom hook only the stdlib is guaranteed to match.
        if default is not _default:
            return
        option = (
            orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS
            | orjson.OPT_APPEND_NEWLINE
        )
        if sort_keys:
            option |= orjson.OPT_SORT_KEYS
        self._option = option

    def encode(self, obj: t.Any) -> bytes:
        option = self._option
        if option is None:
            return self._stdlib_encode(obj)
        try:
            # PERF: orjson is several times faster than the stdlib encoder;
            # the checks below keep its output byte-identical.
            out = orjson.dumps(obj, default=_orjson_default, option=option)
        except TypeError:
            # Unsupported values, ints beyond 64 bits, lone surrogates,
            # non-str keys, deep nesting: the stdlib decides.
            return self._stdlib_encode(obj)
        # orjson writes NaN and the infinities as null (the stdlib: NaN,
        # Infinity) and floats below 1e-4 differently (1e-7 for 1e-07,
        # 0.00001 for 1e-05); every other value comes out byte for byte.
        # Such a float always leaves one of these marks in the output, but
        # so do None and text like "e-mail": the marks only decide whether
        # to look at the floats themselves.
        # PERF: bytes.find is the cheapest scan here (regexes cost ~30 ns/byte),
        # and walking the data to its floats costs a fraction of encoding it a
        # second time with the stdlib, which every mark used to trigger.
        marked = out.find(b"null") >= 0 or out.find(b"e-") >= 0 or out.find(b"0.0000") >= 0
        if marked and _has_stdlib_float(obj):
            return self._stdlib_encode(obj)
        if self._ensure_ascii:
            if out.find(b"\x7f") >= 0:
                # The stdlib escapes DEL under ensure_ascii; orjson does not.
                return self._stdlib_encode(obj)
            if not out.isascii():
                # PERF: a codec error handler escapes only the non-ASCII runs
                # (C speed in between); about 3x faster than the stdlib here.
                return out.decode("utf-8").encode("ascii", _ESCAPE_ERRORS)
        return out

    def _stdlib_encode(self, obj: t.Any) -> bytes:
        return f"{self._stdlib.encode(obj)}\n".encode()


class DefaultJSONProvider(JSONProvider):
    """The standard provider, built on :mod:`json` and using orjson when present.

    Beyond what :mod:`json` handles, :meth:`default` serialises dates and
    datetimes as HTTP dates, :class:`~decimal.Decimal` and
    :class:`~uuid.UUID` as strings, dataclasses as objects and anything with
    an ``__html__`` method as that markup. Change the class attributes on
    a subclass or on ``app.json`` to adjust the output.
    """

    #: Escape non-ASCII characters as ``\\uXXXX``.
    ensure_ascii: bool = True
    #: Sort object keys, so equal data always gives equal bytes.
    sort_keys: bool = True
    #: ``True`` for compact responses, ``False`` for indented ones, ``None``
    #: for compact unless the app is in debug mode.
    compact: bool | None = None
    mimetype = "application/json"
    #: Library used for compact response bodies: ``"orjson"`` when it is
    #: importable, else ``"json"``. Both give the same bytes; set ``"json"``
    #: to opt out. orjson only runs with the stock :meth:`dumps` and
    #: :meth:`default`; :meth:`dumps` and :meth:`loads` always use the stdlib.
    backend: str = "orjson" if orjson is not None else "json"

    default = staticmethod(_default)

    _plan: _CompactPlan | None = None
    _stock_dumps: t.ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass that replaces dumps() must see every response go through it.
        cls._stock_dumps = cls.dumps is DefaultJSONProvider.dumps

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise ``obj`` to a JSON string with :func:`json.dumps` semantics.

        :attr:`default`, :attr:`ensure_ascii` and :attr:`sort_keys` fill in
        any of those keyword arguments that are not given; other keyword
        arguments are passed on to :mod:`json`.
        """
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        encoder = _stdlib_encoder_for(kwargs)
        if encoder is None:
            return json.dumps(obj, **kwargs)
        return encoder.encode(obj)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse JSON text or bytes (UTF-8, UTF-16 or UTF-32) with :func:`json.loads`."""
        # orjson is not used here: it silently turns integers wider than
        # 64 bits into floats, which would change the data.
        return json.loads(s, **kwargs)

    def response_body(self, obj: t.Any) -> bytes:
        """Return exactly the body bytes :meth:`response` sends for ``obj``.

        Compact output is ``dumps(obj, separators=(",", ":"))`` plus a
        newline; indented output (debug, or ``compact = False``) is
        ``dumps(obj, indent=2)`` plus a newline. The app calls this directly
        for dicts and lists returned from views.
        """
        compact = self.compact
        if compact is False or (compact is None and self._app.debug):
            return f"{self.dumps(obj, indent=2)}\n".encode()
        if not self._stock_dumps:
            return f"{self.dumps(obj, separators=(',', ':'))}\n".encode()
        key = (self.backend, self.ensure_ascii, self.sort_keys, self.default)
        plan = self._plan
        if plan is None or plan.key != key:
            # PERF: the encoders are built once per set of options, not per call.
            plan = self._plan = _CompactPlan(key)
        return plan.encode(obj)
