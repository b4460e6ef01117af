"""Tests for kolben.json and kolben.json.provider.

The app class is not needed: a tiny stand-in app (``debug``,
``response_class``, ``json``) is pushed onto ``_cv_app`` inside a stand-in
context object, which is all the JSON layer reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import functools
import gc
import importlib.util
import io
import json
import math
import os
import subprocess
import sys
import typing as t
import uuid
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

import kolben.json as kjson
from kolben.globals import _cv_app
from kolben.json import provider as provider_module
from kolben.json.provider import DefaultJSONProvider, JSONProvider

HAS_ORJSON = DefaultJSONProvider.backend == "orjson"

# --- stand-ins for the app layer -------------------------------------------------------


class FakeResponse:
    def __init__(self, body: bytes | str, mimetype: str | None = None) -> None:
        self.body = body
        self.mimetype = mimetype

    @property
    def data(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode()


class FakeApp:
    response_class = FakeResponse

    def __init__(
        self, debug: bool = False, provider_class: type[JSONProvider] = DefaultJSONProvider
    ) -> None:
        self.debug = debug
        self.json = provider_class(self)


class FakeAppContext:
    def __init__(self, app: FakeApp) -> None:
        self.app = app


@contextmanager
def pushed(app: FakeApp) -> Iterator[FakeApp]:
    token = _cv_app.set(FakeAppContext(app))  # type: ignore[arg-type]
    try:
        yield app
    finally:
        _cv_app.reset(token)


def make_provider(backend: str, **attrs: t.Any) -> DefaultJSONProvider:
    app = FakeApp()
    provider = t.cast(DefaultJSONProvider, app.json)
    provider.backend = backend
    for name, value in attrs.items():
        setattr(provider, name, value)
    # The provider holds its app weakly; keep the app alive with it.
    provider._test_app = app  # type: ignore[attr-defined]
    return provider


BACKENDS = [
    "json",
    pytest.param("orjson", marks=pytest.mark.skipif(not HAS_ORJSON, reason="no orjson")),
]


@dataclasses.dataclass
class Point:
    y: int
    x: int
    label: str = "p"


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point]


class HasHTML:
    def __html__(self) -> str:
        return "<b>html</b>"


Pair = namedtuple("Pair", "left right")


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Tone(str, enum.Enum):
    WARM = "warm"


# --- the default hook ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2020, 1, 2), "Thu, 02 Jan 2020 00:00:00 GMT"),
        (dt.datetime(2015, 10, 21, 7, 28), "Wed, 21 Oct 2015 07:28:00 GMT"),
        (dt.datetime(2015, 10, 21, 7, 28, 0, 999999), "Wed, 21 Oct 2015 07:28:00 GMT"),
        (
            dt.datetime(2015, 10, 21, 9, 28, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        (
            dt.datetime(2015, 10, 20, 23, 28, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        (decimal.Decimal("1.10"), "1.10"),
        (decimal.Decimal("-0E+3"), "-0E+3"),
        (uuid.UUID(int=0x1234), "00000000-0000-0000-0000-000000001234"),
        (Point(2, 1), {"y": 2, "x": 1, "label": "p"}),
        (
            Shape("s", [Point(1, 2)]),
            {"name": "s", "points": [{"y": 1, "x": 2, "label": "p"}]},
        ),
        (HasHTML(), "<b>html</b>"),
    ],
)
def test_default_hook(value: t.Any, expected: t.Any) -> None:
    assert DefaultJSONProvider.default(value) == expected


@pytest.mark.parametrize("value", [object(), b"bytes", {1, 2}, Point, Color.RED, dt.time(1, 2)])
def test_default_hook_rejects_other_types(value: t.Any) -> None:
    with pytest.raises(TypeError, match=rf"^Object of type {type(value).__name__} is not"):
        DefaultJSONProvider.default(value)


# --- DefaultJSONProvider.dumps / loads ------------------------------------------------


def test_dumps_defaults_sort_keys_ascii_and_stdlib_separators() -> None:
    provider = make_provider("json")
    value = {"b": 1, "a": ["é", dt.date(2020, 1, 2)]}
    assert provider.dumps(value) == '{"a": ["\\u00e9", "Thu, 02 Jan 2020 00:00:00 GMT"], "b": 1}'


def test_dumps_keyword_arguments_override_the_attributes() -> None:
    provider = make_provider("json")
    value = {"b": "é", "a": 1}
    assert provider.dumps(value, sort_keys=False, ensure_ascii=False) == '{"b": "é", "a": 1}'
    assert provider.dumps(value, separators=(",", ":")) == '{"a":1,"b":"\\u00e9"}'
    assert provider.dumps(value, separators=[",", ":"]) == '{"a":1,"b":"\\u00e9"}'
    assert provider.dumps([1], indent=2) == "[\n  1\n]"
    assert provider.dumps(value, default=str, cls=json.JSONEncoder) == provider.dumps(value)
    assert provider.dumps(object(), default=lambda o: "custom") == '"custom"'


def test_dumps_follows_instance_attributes() -> None:
    provider = make_provider("json", sort_keys=False, ensure_ascii=False)
    assert provider.dumps({"b": "é", "a": 1}) == '{"b": "é", "a": 1}'


def test_dumps_circular_reference_is_a_value_error() -> None:
    provider = make_provider("json")
    loop: list[t.Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        provider.dumps(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        provider.dumps({"a": loop}, separators=(",", ":"))


def test_dumps_without_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_module, "_c_make_encoder", None)
    monkeypatch.setattr(provider_module, "_encoders", {})
    provider = make_provider("json")
    value = {"b": [1.5, None, float("nan")], "a": "é"}
    assert provider.dumps(value) == json.dumps(value, sort_keys=True)
    assert (
        provider.response_body(value)
        == (json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n").encode()
    )


def test_the_encoder_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_module, "_encoders", {})
    provider = make_provider("json")
    for indent in range(provider_module._MAX_CACHED_ENCODERS + 10):
        assert provider.dumps([1], indent=indent) == json.dumps([1], indent=indent)
    assert len(provider_module._encoders) == provider_module._MAX_CACHED_ENCODERS


@pytest.mark.parametrize(
    "document",
    ['{"a": [1, 2.5, null, true]}', b'{"a": [1, 2.5, null, true]}'],
)
def test_loads_accepts_text_and_bytes(document: str | bytes) -> None:
    assert make_provider("json").loads(document) == {"a": [1, 2.5, None, True]}


def test_loads_keeps_big_integers_and_detects_utf16() -> None:
    provider = make_provider("orjson" if HAS_ORJSON else "json")
    assert provider.loads("123456789012345678901234567890") == 123456789012345678901234567890
    assert provider.loads('{"k": "é"}'.encode("utf-16")) == {"k": "é"}
    assert provider.loads("1.5", parse_float=decimal.Decimal) == decimal.Decimal("1.5")
    assert math.isnan(provider.loads("NaN"))


def test_dump_and_load_use_file_objects() -> None:
    provider = make_provider("json")
    buffer = io.StringIO()
    provider.dump({"b": 1, "a": 2}, buffer)
    assert buffer.getvalue() == '{"a": 2, "b": 1}'
    buffer.seek(0)
    assert provider.load(buffer) == {"a": 2, "b": 1}
    assert provider.load(io.BytesIO(b"[1]")) == [1]


# --- responses -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, b"null\n"),
        (({"b": 1, "a": 2},), {}, b'{"a":2,"b":1}\n'),
        (([1, 2],), {}, b"[1,2]\n"),
        (("text",), {}, b'"text"\n'),
        ((1, "two", None), {}, b'[1,"two",null]\n'),
        (((1, 2),), {}, b"[1,2]\n"),
        ((), {"b": 1, "a": [True]}, b'{"a":[true],"b":1}\n'),
    ],
)
def test_response_follows_the_jsonify_rules(
    backend: str, args: tuple[t.Any, ...], kwargs: dict[str, t.Any], body: bytes
) -> None:
    provider = make_provider(backend)
    response = provider.response(*args, **kwargs)
    assert isinstance(response, FakeResponse)
    assert response.mimetype == "application/json"
    assert response.data == body


def test_response_rejects_args_and_kwargs_together() -> None:
    with pytest.raises(TypeError, match="either positional arguments or keyword arguments"):
        make_provider("json").response(1, a=2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_response_is_indented_in_debug_mode(backend: str) -> None:
    app = FakeApp(debug=True)
    provider = t.cast(DefaultJSONProvider, app.json)
    provider.backend = backend
    expected = b'{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}\n'
    assert provider.response({"b": {}, "a": [1, 2]}).data == expected
    assert provider.response_body({"b": {}, "a": [1, 2]}) == expected
    provider.compact = True
    assert provider.response({"b": {}, "a": [1, 2]}).data == b'{"a":[1,2],"b":{}}\n'
    app.debug = False
    provider.compact = False
    assert provider.response({"b": {}, "a": [1, 2]}).data == expected


def test_response_uses_the_subclass_mimetype_and_dumps() -> None:
    calls: list[dict[str, t.Any]] = []

    class Custom(DefaultJSONProvider):
        mimetype = "application/vnd.api+json"

        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            calls.append(kwargs)
            return "custom"

    app = FakeApp(provider_class=Custom)
    response = app.json.response({"a": 1})
    assert response.mimetype == "application/vnd.api+json"
    assert response.data == b"custom\n"
    assert calls == [{"separators": (",", ":")}]
    app.debug = True
    assert app.json.response_body([1]) == b"custom\n"
    assert calls[-1] == {"indent": 2}
    # Subclasses that keep dumps() keep the fast path.
    assert DefaultJSONProvider._stock_dumps
    assert not Custom._stock_dumps


@pytest.mark.parametrize("backend", BACKENDS)
def test_response_honours_a_custom_default_hook(backend: str) -> None:
    def default(o: t.Any) -> t.Any:
        if isinstance(o, uuid.UUID):
            return o.hex
        if isinstance(o, set):
            return sorted(o)
        return DefaultJSONProvider.default(o)

    provider = make_provider(backend)
    provider.default = default
    value = {"id": uuid.UUID(int=1), "tags": {"b", "a"}, "when": dt.date(2020, 1, 2)}
    assert provider.response_body(value) == (
        b'{"id":"00000000000000000000000000000001","tags":["a","b"],'
        b'"when":"Thu, 02 Jan 2020 00:00:00 GMT"}\n'
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_response_follows_attribute_changes_after_first_use(backend: str) -> None:
    provider = make_provider(backend)
    value = {"b": "é", "a": 1}
    assert provider.response_body(value) == b'{"a":1,"b":"\\u00e9"}\n'
    provider.sort_keys = False
    provider.ensure_ascii = False
    assert provider.response_body(value) == '{"b":"é","a":1}\n'.encode()


@pytest.mark.parametrize("backend", BACKENDS)
def test_response_errors_match_the_stdlib(backend: str) -> None:
    provider = make_provider(backend)
    with pytest.raises(TypeError, match=r"^Object of type object is not JSON serializable$"):
        provider.response_body({"a": [object()]})
    with pytest.raises(TypeError, match=r"^Object of type bytes is not JSON serializable$"):
        provider.response_body(b"x")
    loop: dict[str, t.Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular reference"):
        provider.response_body(loop)
    with pytest.raises(TypeError):
        provider.response_body({1: "a", "b": 2})  # mixed keys cannot be sorted


def test_unknown_backend_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = make_provider("simdjson")
    with pytest.raises(ValueError, match="Unknown JSON backend 'simdjson'"):
        provider.response_body(1)
    monkeypatch.setattr(provider_module, "orjson", None)
    provider = make_provider("orjson")
    with pytest.raises(RuntimeError, match="pip install orjson"):
        provider.response_body(1)


def test_backend_reports_the_library_in_use() -> None:
    installed = importlib.util.find_spec("orjson") is not None
    assert DefaultJSONProvider.backend == ("orjson" if installed else "json")


def test_provider_holds_its_app_weakly() -> None:
    app = FakeApp()
    provider = app.json
    assert provider._app.debug is False
    app.debug = True
    assert provider._app.debug is True
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider.response(1)


# --- the abstract base ---------------------------------------------------------------


def test_base_provider_needs_dumps_and_loads() -> None:
    provider = JSONProvider(FakeApp())
    with pytest.raises(NotImplementedError, match="dumps"):
        provider.dumps(1)
    with pytest.raises(NotImplementedError, match="loads"):
        provider.loads("1")


def test_base_provider_builds_on_dumps_and_loads() -> None:
    class Plain(JSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return json.dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            return json.loads(s, **kwargs)

    app = FakeApp(provider_class=Plain)
    provider = app.json
    assert provider.response(b=1, a=2).data == b'{"b": 1, "a": 2}'
    assert provider.response().data == b"null"
    assert provider.response_body([1, 2]) == b"[1, 2]"
    assert provider.response(1, 2).mimetype == "application/json"
    buffer = io.StringIO()
    provider.dump([1], buffer, indent=1)
    assert buffer.getvalue() == "[\n 1\n]"
    assert provider.load(io.StringIO("[1]")) == [1]


# --- module functions ----------------------------------------------------------------


def test_module_functions_without_an_app_use_the_stdlib() -> None:
    assert _cv_app.get(None) is None
    # Like Flask: no key sorting outside an app, but the extra types work.
    assert kjson.dumps({"b": 1, "a": dt.date(2020, 1, 2)}) == (
        '{"b": 1, "a": "Thu, 02 Jan 2020 00:00:00 GMT"}'
    )
    assert kjson.dumps({"b": 1, "a": 2}, sort_keys=True, separators=(",", ":")) == '{"a":2,"b":1}'
    assert kjson.loads('{"a": 1}') == {"a": 1}
    assert kjson.loads(b'{"a": 1}') == {"a": 1}
    buffer = io.StringIO()
    kjson.dump({"u": uuid.UUID(int=1)}, buffer)
    assert buffer.getvalue() == '{"u": "00000000-0000-0000-0000-000000000001"}'
    buffer.seek(0)
    assert kjson.load(buffer) == {"u": "00000000-0000-0000-0000-000000000001"}


class RecordingProvider(DefaultJSONProvider):
    def __init__(self, app: t.Any) -> None:
        super().__init__(app)
        self.calls: list[str] = []

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        self.calls.append("dumps")
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        self.calls.append("loads")
        return super().loads(s, **kwargs)


def test_module_functions_delegate_to_the_current_app() -> None:
    app = FakeApp(provider_class=RecordingProvider)
    provider = t.cast(RecordingProvider, app.json)
    with pushed(app):
        assert kjson.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
        assert kjson.loads("[1]") == [1]
        buffer = io.StringIO()
        kjson.dump([2], buffer)
        buffer.seek(0)
        assert kjson.load(buffer) == [2]
    assert provider.calls == ["dumps", "loads", "dumps", "loads"]
    assert _cv_app.get(None) is None


def test_jsonify_needs_an_app() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        kjson.jsonify(a=1)


@pytest.mark.parametrize("debug", [False, True])
def test_jsonify_uses_the_app_provider(debug: bool) -> None:
    app = FakeApp(debug=debug)
    with pushed(app):
        response = kjson.jsonify({"b": 1, "a": 2})
        assert kjson.jsonify().data == b"null\n"
        assert kjson.jsonify(1, 2).data == (b"[\n  1,\n  2\n]\n" if debug else b"[1,2]\n")
        with pytest.raises(TypeError):
            kjson.jsonify(1, a=2)
    assert response.mimetype == "application/json"
    assert response.data == (b'{\n  "a": 2,\n  "b": 1\n}\n' if debug else b'{"a":2,"b":1}\n')


# --- orjson and stdlib give identical bytes -------------------------------------------

SAMPLES: list[t.Any] = [
    None,
    True,
    0,
    -1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**63) - 1,
    10**40,
    0.0,
    -0.0,
    0.1,
    1.5,
    1e15,
    1e16,
    1e22,
    1e-4,
    1.5e-4,
    1e-5,
    6.26703014325946e-05,
    1e-7,
    2.5e-9,
    1e-30,
    5e-324,
    1.7976931348623157e308,
    123456789012345680.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "plain",
    "é",
    "日本語",
    "emoji 😀 and 𝄞",
    "\x00\x01\x08\t\n\x0b\x0c\r\x1f \x7f\x80\x9f",
    '"quoted" \\ back/slash',
    "\u2028\u2029",
    "null",
    "e-mail, re-do",
    "0.00001",
    {"text": "null or e-5 or 0.00001", "n": None, "f": [10.00001, 1e-4, 1e16]},
    {"small": [None, 1e-5, "e-"], "nan": [None, float("nan")]},
    [Point(1e-5, None), Point(0.5, float("inf"))],
    "lone \ud800 surrogate",
    [],
    {},
    [[], {}, [[]]],
    {"z": 1, "a": {"y": [1, 2, {"b": None, "a": 0.5}]}, "é": "ü", "": ""},
    {"B": 1, "a": 2, "_": 3, "é": 4, "ß": 5, "😀": 6, "\x7f": 7},
    (1, (2, 3)),
    [dt.date(2020, 1, 2), dt.datetime(2015, 10, 21, 7, 28, 0, 123)],
    {"when": dt.datetime(2015, 10, 21, 9, 28, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
    decimal.Decimal("3.14159"),
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    Point(2, 1),
    [Shape("tri", [Point(0, 0), Point(1, 1)])],
    Markup("<b>safe</b>"),
    {"m": Markup("é"), "h": HasHTML()},
    OrderedDict([("b", 1), ("a", 2)]),
    {2: "int keys", 10: "sorted numerically"},
    {True: "bool key"},
    {None: "none key"},
    {1.5: "float key"},
    Pair(1, 2),
    Level.HIGH,
    Tone.WARM,
    [list(range(3))] * 3,
    {"deep": [[[[[[[[[[["x"]]]]]]]]]]]},
]


def nested(depth: int) -> t.Any:
    value: t.Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


SAMPLES.append(nested(300))  # deeper than orjson allows


@functools.cache
def _flask_app(attrs: tuple[tuple[str, t.Any], ...]) -> t.Any:
    flask = pytest.importorskip("flask")
    app = flask.Flask("kolben_compare")
    for name, attr in attrs:
        setattr(app.json, name, attr)
    return app


def _flask_body(value: t.Any, **attrs: t.Any) -> bytes:
    app = _flask_app(tuple(sorted(attrs.items())))
    return f"{app.json.dumps(value, separators=(',', ':'))}\n".encode()


def _flask_dumps(value: t.Any) -> str:
    text: str = _flask_app(()).json.dumps(value)
    return text


@pytest.mark.parametrize("attrs", [{}, {"ensure_ascii": False}, {"sort_keys": False}])
@pytest.mark.parametrize("value", SAMPLES, ids=[f"s{i}" for i in range(len(SAMPLES))])
def test_backends_and_flask_agree(value: t.Any, attrs: dict[str, t.Any]) -> None:
    fast = make_provider("orjson" if HAS_ORJSON else "json", **attrs)
    slow = make_provider("json", **attrs)
    try:
        expected = _flask_body(value, **attrs)
    except UnicodeEncodeError:
        # A lone surrogate written without ensure_ascii cannot become UTF-8.
        for provider in (fast, slow):
            with pytest.raises(UnicodeEncodeError):
                provider.response_body(value)
        return
    assert slow.response_body(value) == expected
    assert fast.response_body(value) == expected


@pytest.mark.skipif(not HAS_ORJSON, reason="orjson is not installed")
@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ({"hello": "world"}, True),
        ({"b": [1, 2.5, True], "a": "é😀"}, True),
        ([Point(1, 2), dt.date(2020, 1, 2), uuid.UUID(int=1), decimal.Decimal("1.5")], True),
        ({"markup": HasHTML()}, True),
        ({"a": None}, True),
        # Text and numbers that look like the floats orjson writes differently.
        ({"a": "e-mail is null", "b": "0.00001", "c": 10.00001, "d": 1e16}, True),
        ([None, "1e-7", -0.0, 1e-4, 0.0001, 1.5e300], True),
        ([Point(1, 2), Shape("tri", [Point(0, 0)])], True),
        ([1e-7], False),
        ({"a": [None, {"b": 1e-5}]}, False),
        ([-6.26703014325946e-05], False),
        ({"n": float("nan")}, False),
        ([None, float("-inf")], False),
        ((None, float("inf")), False),
        ([Point(1e-5, 0)], False),
        (["\x7f"], False),
        (2**64, False),
        ({1: "a"}, False),
        (Markup("subclass"), False),
    ],
)
def test_orjson_path_is_taken_when_it_is_exact(
    value: t.Any, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider("orjson")
    expected = make_provider("json").response_body(value)
    fallbacks: list[t.Any] = []
    original = provider_module._CompactPlan._stdlib_encode

    def spy(self: t.Any, obj: t.Any) -> bytes:
        fallbacks.append(obj)
        return original(self, obj)

    monkeypatch.setattr(provider_module._CompactPlan, "_stdlib_encode", spy)
    assert provider.response_body(value) == expected
    assert fallbacks == ([] if fast else [value])


def test_plain_enum_is_rejected_by_the_stdlib_backend() -> None:
    with pytest.raises(TypeError, match="Object of type Color"):
        make_provider("json").response_body({"c": Color.RED})


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.text(alphabet=st.characters(codec="utf-8"))
)


def _json_children(children: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    return (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
    )


json_data = st.recursive(json_scalars, _json_children, max_leaves=25)

fixed_offsets = st.timedeltas(
    min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23)
).map(dt.timezone)
extra_scalars = (
    st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9000, 1, 1))
    | st.datetimes(
        min_value=dt.datetime(1000, 1, 1),
        max_value=dt.datetime(9000, 1, 1),
        timezones=t.cast(t.Any, st.none() | st.just(dt.timezone.utc) | fixed_offsets),
    )
    | st.decimals(allow_nan=False)
    | st.uuids()
    | st.builds(Point, st.integers(), st.integers(), st.text(max_size=5))
    | st.builds(Markup, st.text(max_size=10))
)
rich_data = st.recursive(json_scalars | extra_scalars, _json_children, max_leaves=25)


@pytest.mark.skipif(not HAS_ORJSON, reason="orjson is not installed")
@settings(max_examples=400, deadline=None)
@given(value=json_data, ensure_ascii=st.booleans(), sort_keys=st.booleans())
def test_backends_agree_on_random_json(value: t.Any, ensure_ascii: bool, sort_keys: bool) -> None:
    fast = make_provider("orjson", ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    slow = make_provider("json", ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    try:
        expected = slow.response_body(value)
    except UnicodeEncodeError:  # lone surrogates without ensure_ascii
        with pytest.raises(UnicodeEncodeError):
            fast.response_body(value)
        return
    assert fast.response_body(value) == expected


@settings(max_examples=200, deadline=None)
@given(value=rich_data)
def test_kolben_and_flask_agree_on_random_data(value: t.Any) -> None:
    fast = make_provider("orjson" if HAS_ORJSON else "json")
    assert fast.response_body(value) == _flask_body(value)
    assert fast.dumps(value) == _flask_dumps(value)


def test_without_orjson_installed_the_stdlib_backend_is_used() -> None:
    code = (
        "import sys\n"
        "sys.modules['orjson'] = None\n"
        "import datetime, json\n"
        "from kolben.json.provider import DefaultJSONProvider\n"
        "class R:\n"
        "    def __init__(self, body, mimetype=None):\n"
        "        self.body = body\n"
        "class App:\n"
        "    debug = False\n"
        "    response_class = R\n"
        "app = App()\n"
        "p = DefaultJSONProvider(app)\n"
        "body = p.response({'b': 'é', 'a': [0.1, 1e-7, float('nan'), datetime.date(2020, 1, 2)]})\n"
        "print(json.dumps([p.backend, body.body.decode()]))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    backend, body = json.loads(result.stdout)
    assert backend == "json"
    assert body == ('{"a":[0.1,1e-07,NaN,"Thu, 02 Jan 2020 00:00:00 GMT"],"b":"\\u00e9"}\n')
