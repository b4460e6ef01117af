"""Tests for kolben.json.tag, including byte-for-byte interoperability with Flask."""

from __future__ import annotations

import datetime as dt
import hashlib
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from kolben.globals import _cv_app
from kolben.json.provider import DefaultJSONProvider
from kolben.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

UTC = dt.timezone.utc


class HasHTML:
    def __html__(self) -> str:
        return "<i>html</i>"


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


# --- the individual tags -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ((1, 2), '{" t":[1,2]}'),
        (b"\x00\xffbin", '{" b":"AP9iaW4="}'),
        (Markup("<b>x</b>"), '{" m":"<b>x</b>"}'),
        (UUID(int=0xABC), '{" u":"00000000000000000000000000000abc"}'),
        (dt.datetime(2015, 10, 21, 7, 28, tzinfo=UTC), '{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}'),
        ({" t": 5}, '{" di":{" t__":5}}'),
        ({"b": 1, "a": (2,)}, '{"a":{" t":[2]},"b":1}'),
        ([(1,), [b""]], '[{" t":[1]},[{" b":""}]]'),
        ({" x": 1}, '{" x":1}'),
        ("é", '"\\u00e9"'),
        (None, "null"),
    ],
)
def test_tags_write_and_read_back(
    serializer: TaggedJSONSerializer, value: t.Any, text: str
) -> None:
    assert serializer.dumps(value) == text
    result = serializer.loads(text)
    assert result == value
    assert type(result) is type(value)


def test_datetime_reads_back_aware_utc_with_whole_seconds(
    serializer: TaggedJSONSerializer,
) -> None:
    naive = dt.datetime(2024, 2, 29, 23, 59, 58, 654321)
    result = serializer.loads(serializer.dumps(naive))
    assert result == dt.datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
    assert result.tzinfo == UTC

    offset = dt.datetime(2024, 3, 1, 1, 59, 58, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert serializer.loads(serializer.dumps(offset)) == dt.datetime(
        2024, 2, 29, 23, 59, 58, tzinfo=UTC
    )


def test_plain_dates_are_not_tagged(serializer: TaggedJSONSerializer) -> None:
    # Only datetimes have a tag; a date is written by the JSON default hook.
    assert serializer.dumps(dt.date(2020, 1, 2)) == '"Thu, 02 Jan 2020 00:00:00 GMT"'


def test_objects_with_html_read_back_as_markup(serializer: TaggedJSONSerializer) -> None:
    result = serializer.loads(serializer.dumps({"m": HasHTML()}))
    assert result == {"m": "<i>html</i>"}
    assert isinstance(result["m"], Markup)


def test_tag_like_keys_are_escaped_at_any_depth(serializer: TaggedJSONSerializer) -> None:
    value = {"outer": [{" di": {" b": 1}}, {" u": "not a uuid"}]}
    text = serializer.dumps(value)
    assert text == (
        '{"outer":[{" di":{" di__":{" di":{" b__":1}}}},{" di":{" u__":"not a uuid"}}]}'
    )
    assert serializer.loads(text) == value


def test_untag_leaves_ordinary_objects_alone(serializer: TaggedJSONSerializer) -> None:
    assert serializer.untag({}) == {}
    assert serializer.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert serializer.untag({" nope": 1}) == {" nope": 1}
    assert serializer.untag({" t": [1]}) == (1,)


def test_invalid_datetime_is_reported(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(ValueError, match="Invalid HTTP date"):
        serializer.loads('{" d":"yesterday"}')


def test_tag_method_wraps_to_json(serializer: TaggedJSONSerializer) -> None:
    assert TagBytes(serializer).tag(b"a") == {" b": "YQ=="}
    assert PassDict(serializer).tag({"a": (1,)}) == {"a": {" t": [1]}}
    assert PassList(serializer).tag([(1,)]) == [{" t": [1]}]


def test_default_tags_and_their_order(serializer: TaggedJSONSerializer) -> None:
    expected = [TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime]
    assert TaggedJSONSerializer.default_tags == expected
    assert [type(tag) for tag in serializer.order] == expected
    assert sorted(serializer.tags) == [" b", " d", " di", " m", " t", " u"]
    assert all(tag.serializer is serializer for tag in serializer.order)


def test_base_tag_must_be_implemented(serializer: TaggedJSONSerializer) -> None:
    tag = JSONTag(serializer)
    assert tag.key == ""
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(1)


# --- registering tags -----------------------------------------------------------------


class TagFraction(JSONTag):
    __slots__ = ()
    key = " fr"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, Fraction)

    def to_json(self, value: t.Any) -> t.Any:
        return [value.numerator, value.denominator]

    def to_python(self, value: t.Any) -> t.Any:
        return Fraction(*value)


class TagLoudBytes(JSONTag):
    """Replacement for TagBytes with a different encoding, same key."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex()

    def to_python(self, value: t.Any) -> t.Any:
        return bytes.fromhex(value)


def test_register_a_new_tag(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagFraction)
    assert serializer.order[-1].key == " fr"
    text = serializer.dumps({"f": Fraction(1, 3), "t": (Fraction(2, 1),)})
    assert text == '{"f":{" fr":[1,3]},"t":{" t":[{" fr":[2,1]}]}}'
    assert serializer.loads(text) == {"f": Fraction(1, 3), "t": (Fraction(2),)}
    # A one-key dict using the new key is now escaped too.
    assert serializer.dumps({" fr": 1}) == '{" di":{" fr__":1}}'


def test_register_at_an_index_takes_precedence(serializer: TaggedJSONSerializer) -> None:
    class TagAnyTuple(JSONTag):
        key = " tt"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, tuple)

        def to_json(self, value: t.Any) -> t.Any:
            return list(value)

        def to_python(self, value: t.Any) -> t.Any:
            return tuple(value)

    serializer.register(TagAnyTuple, index=0)
    assert isinstance(serializer.order[0], TagAnyTuple)
    assert serializer.dumps((1,)) == '{" tt":[1]}'


def test_register_duplicate_key_needs_force(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(KeyError, match="' b' is already registered"):
        serializer.register(TagLoudBytes)
    assert serializer.dumps(b"a") == '{" b":"YQ=="}'


def test_forced_replacement_writes_and_reads_with_the_new_tag(
    serializer: TaggedJSONSerializer,
) -> None:
    position = [type(tag) for tag in serializer.order].index(TagBytes)
    serializer.register(TagLoudBytes, force=True)
    assert isinstance(serializer.tags[" b"], TagLoudBytes)
    assert isinstance(serializer.order[position], TagLoudBytes)
    assert not any(isinstance(tag, TagBytes) for tag in serializer.order)
    assert len(serializer.order) == len(TaggedJSONSerializer.default_tags)
    assert serializer.dumps(b"\x01") == '{" b":"01"}'
    assert serializer.loads('{" b":"01"}') == b"\x01"


def test_forced_replacement_can_move_the_tag(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagLoudBytes, force=True, index=0)
    assert isinstance(serializer.order[0], TagLoudBytes)
    assert sum(tag.key == " b" for tag in serializer.order) == 1


def test_keyless_tags_can_be_registered_repeatedly(serializer: TaggedJSONSerializer) -> None:
    serializer.register(PassList)
    serializer.register(PassList)
    assert len(serializer.order) == len(TaggedJSONSerializer.default_tags) + 2
    assert "" not in serializer.tags


def test_new_serializers_do_not_share_registrations() -> None:
    first = TaggedJSONSerializer()
    first.register(TagFraction)
    assert " fr" not in TaggedJSONSerializer().tags


# --- app context ------------------------------------------------------------------------


class _Response:
    def __init__(self, body: bytes, mimetype: str | None = None) -> None:
        self.body = body


class _RecordingProvider(DefaultJSONProvider):
    calls = 0

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        type(self).calls += 1
        return super().dumps(obj, **kwargs)


class _App:
    debug = False
    response_class = _Response

    def __init__(self) -> None:
        self.json = _RecordingProvider(self)


class _Ctx:
    def __init__(self, app: _App) -> None:
        self.app = app


@contextmanager
def _pushed(app: _App) -> Iterator[None]:
    token = _cv_app.set(_Ctx(app))  # type: ignore[arg-type]
    try:
        yield
    finally:
        _cv_app.reset(token)


def test_dumps_goes_through_the_app_provider(serializer: TaggedJSONSerializer) -> None:
    value = {"b": (1,), "a": "x"}
    outside = serializer.dumps(value)
    app = _App()
    before = _RecordingProvider.calls
    with _pushed(app):
        inside = serializer.dumps(value)
        assert serializer.loads(inside) == value
    assert _RecordingProvider.calls == before + 1
    assert inside == outside == '{"a":"x","b":{" t":[1]}}'


class _LoadingProvider(DefaultJSONProvider):
    calls = 0

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        type(self).calls += 1
        return super().loads(s, **kwargs)


def test_loads_goes_through_a_custom_app_provider(serializer: TaggedJSONSerializer) -> None:
    app = _App()
    app.json = _LoadingProvider(app)
    with _pushed(app):
        assert serializer.loads('{"a":{" t":[1,{" b":"eA=="}]}}') == {"a": (1, b"x")}
    assert _LoadingProvider.calls == 1


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_stock_provider_settings_shape_the_output(
    serializer: TaggedJSONSerializer, ensure_ascii: bool
) -> None:
    app = _App()
    app.json = DefaultJSONProvider(app)
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    value = {"name": "J\u00fcrgen", "t": ("\u20ac",)}
    with _pushed(app):
        expected = app.json.dumps(serializer.tag(value), separators=(",", ":"), sort_keys=True)
        assert serializer.dumps(value) == expected
        assert ("\\u00fc" in expected) is ensure_ascii
        assert serializer.loads(expected) == value
        assert serializer.loads(expected.encode("utf-16")) == value


# --- round trips ------------------------------------------------------------------------

aware_datetimes = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9000, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
tagged_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=20)
    | st.uuids()
    | aware_datetimes
    | st.text(max_size=10).map(Markup)
)
tag_keys = st.sampled_from([" t", " di", " b", " m", " u", " d", " t__", " x", ""]) | st.text(
    max_size=6
)


def _children(children: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    return (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(tag_keys, children, max_size=4)
    )


tagged_data = st.recursive(tagged_scalars, _children, max_leaves=20)


def _same(left: t.Any, right: t.Any) -> bool:
    """Equality that also compares container and markup types."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


@settings(max_examples=300, deadline=None)
@given(value=tagged_data)
def test_round_trip(value: t.Any) -> None:
    serializer = TaggedJSONSerializer()
    assert _same(serializer.loads(serializer.dumps(value)), value)


# --- Flask interoperability --------------------------------------------------------------

PAYLOAD = {
    "user": {"id": 42, "name": "Jürgen", "roles": ("admin", "dev"), "ratio": 0.1},
    "token": b"\x00\xff session bytes",
    "message": Markup("<b>Welcome</b> back"),
    "request_id": UUID("12345678-1234-5678-1234-567812345678"),
    "login_at": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    "looks_like_a_tag": {" t": [1, 2]},
    "nested": [1, [2, (3, {" di": "x"})], {"z": None, "a": True}],
    "_permanent": True,
}


@pytest.fixture(scope="module")
def flask_app() -> t.Any:
    flask = pytest.importorskip("flask")
    app = flask.Flask("kolben_interop")
    app.secret_key = "interop-secret"
    return app


@pytest.fixture(scope="module")
def flask_serializer(flask_app: t.Any) -> t.Any:
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    return FlaskSerializer


def test_dumps_matches_flask_byte_for_byte(flask_app: t.Any, flask_serializer: t.Any) -> None:
    ours = TaggedJSONSerializer().dumps(PAYLOAD)
    with flask_app.app_context():  # where Flask writes session cookies
        theirs = flask_serializer().dumps(PAYLOAD)
    assert ours == theirs
    with _pushed(_App()):
        assert TaggedJSONSerializer().dumps(PAYLOAD) == theirs


def test_dumps_matches_flask_outside_an_app_for_sorted_data(flask_serializer: t.Any) -> None:
    # Flask sorts keys only inside an app; Kolben always does. With keys
    # inserted in sorted order both write the same bytes anywhere.
    def sort(value: t.Any) -> t.Any:
        if isinstance(value, dict):
            return {k: sort(value[k]) for k in sorted(value)}
        if isinstance(value, list):
            return [sort(v) for v in value]
        if isinstance(value, tuple):
            return tuple(sort(v) for v in value)
        return value

    ordered = sort(PAYLOAD)
    assert TaggedJSONSerializer().dumps(ordered) == flask_serializer().dumps(ordered)


def test_each_side_reads_the_other(flask_serializer: t.Any) -> None:
    ours = TaggedJSONSerializer()
    theirs = flask_serializer()
    from_flask = ours.loads(theirs.dumps(PAYLOAD))
    from_kolben = theirs.loads(ours.dumps(PAYLOAD))
    assert _same(from_flask, PAYLOAD)
    assert _same(from_kolben, PAYLOAD)


def test_session_cookies_cross_verify(flask_app: t.Any) -> None:
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    flask_signer = SecureCookieSessionInterface().get_signing_serializer(flask_app)
    assert flask_signer is not None
    kolben_signer = URLSafeTimedSerializer(
        flask_app.secret_key,
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    with flask_app.test_request_context():
        flask_cookie = flask_signer.dumps(PAYLOAD)
    assert _same(kolben_signer.loads(flask_cookie), PAYLOAD)
    kolben_cookie = kolben_signer.dumps(PAYLOAD)
    assert _same(flask_signer.loads(kolben_cookie), PAYLOAD)
    # Same payload, same bytes (possibly zlib-compressed): only the timestamp
    # and the signature may differ.
    assert kolben_cookie.rsplit(".", 2)[0] == flask_cookie.rsplit(".", 2)[0]


@settings(max_examples=200, deadline=None)
@given(value=tagged_data)
def test_random_data_matches_flask(flask_app: t.Any, flask_serializer: t.Any, value: t.Any) -> None:
    ours = TaggedJSONSerializer().dumps(value)
    with flask_app.app_context():
        theirs = flask_serializer().dumps(value)
    assert ours == theirs
    assert _same(flask_serializer().loads(ours), TaggedJSONSerializer().loads(theirs))
