"""Tests for the header datastructures: Accept*, auth, Cache-Control, ETags, ranges."""

from __future__ import annotations

import base64
import hashlib
import pickle
from datetime import datetime, timezone

import pytest
import werkzeug.http as wz_http
from hypothesis import given
from hypothesis import strategies as st

from kolben.datastructures.accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from kolben.datastructures.auth import Authorization, WWWAuthenticate
from kolben.datastructures.cache_control import RequestCacheControl, ResponseCacheControl
from kolben.datastructures.csp import ContentSecurityPolicy
from kolben.datastructures.etag import ETags, IfRange
from kolben.datastructures.range import ContentRange, Range
from kolben.http import dump_csp_header, parse_csp_header

UTC = timezone.utc

# -- Accept ----------------------------------------------------------------------


def test_accept_sorted_by_quality_then_specificity() -> None:
    accept = MIMEAccept([("*/*", 1), ("text/*", 1), ("text/html", 1), ("a/b", 0.5)])
    assert accept.values() is not None
    assert list(accept.values()) == ["text/html", "text/*", "*/*", "a/b"]
    assert accept[0] == ("text/html", 1.0)
    assert accept[1:2] == [("text/*", 1.0)]


def test_accept_lookups() -> None:
    accept = Accept([("gzip", 1), ("br", 0.8), ("*", 0.1), ("identity", 0)])
    assert accept["gzip"] == 1
    assert accept["BR"] == 0.8
    assert accept["zstd"] == 0.1
    assert accept.quality("identity") == 0
    assert "gzip" in accept
    assert "zstd" in accept
    assert "identity" not in accept  # q=0 means "not acceptable"
    assert ("br", 0.8) in accept
    assert accept.find("br") == 1
    assert accept.find("nope-but-star") == 2
    assert accept.index("br") == 1
    assert accept.index(("br", 0.8)) == 1
    assert Accept([("a", 1)]).find("b") == -1
    with pytest.raises(ValueError, match="not in"):
        Accept([("a", 1)]).index("b")
    assert accept.best == "gzip"
    assert accept.to_header() == "gzip,br;q=0.8,*;q=0.1,identity;q=0"
    assert str(accept) == accept.to_header()


def test_accept_is_immutable() -> None:
    accept = Accept([("a", 1)])
    for action in (
        lambda: accept.append(("b", 1)),
        lambda: accept.__setitem__(0, ("b", 1)),
        lambda: accept.sort(),
        lambda: accept.clear(),
    ):
        with pytest.raises(TypeError, match="immutable"):
            action()
    assert pickle.loads(pickle.dumps(accept)) == accept


def test_accept_best_match() -> None:
    accept = Accept([("a", 0.5), ("b", 1), ("c", 0)])
    assert accept.best_match(["a", "b"]) == "b"
    assert accept.best_match(["c"]) is None
    assert accept.best_match(["c", "zz"], default="d") == "d"
    assert Accept([("a", 0)]).best is None
    empty = Accept(None)
    assert not empty.provided
    assert empty.best is None
    assert empty.best_match(["a"]) is None


def test_mime_accept_wildcards() -> None:
    accept = MIMEAccept([("text/*", 0.5), ("*/*", 0.1), ("application/json", 1)])
    assert accept["text/plain"] == 0.5
    assert accept["image/png"] == 0.1
    assert accept.best_match(["image/png", "text/csv"]) == "text/csv"
    assert accept.best_match(["application/json", "text/html"]) == "application/json"
    assert accept.accept_json
    assert accept.accept_html


def test_mime_accept_most_specific_entry_decides() -> None:
    # RFC 9110 section 12.5.1: the more specific range overrides the wildcard.
    accept = MIMEAccept([("*/*", 1), ("text/html", 0)])
    assert accept["text/html"] == 0
    assert "text/html" not in accept
    assert accept.best_match(["text/html", "text/plain"]) == "text/plain"
    # On equal quality the more specific match wins, then the server's order.
    browser = MIMEAccept([("text/html", 1), ("*/*", 1)])
    assert browser.best_match(["application/json", "text/html"]) == "text/html"


def test_mime_accept_params_and_invalid_entries() -> None:
    accept = MIMEAccept([("text/html;level=1", 1), ("text/*", 0.5), ("nonsense", 1)])
    assert accept["text/html;level=1"] == 1
    assert accept["text/html"] == 0.5
    assert accept["nonsense"] == 0
    assert accept.best_match(["text/plain", "text/html"]) == "text/plain"


def test_mime_accept_flags() -> None:
    assert MIMEAccept([("application/xhtml+xml", 1)]).accept_html
    assert MIMEAccept([("application/xml", 1)]).accept_xhtml
    html_only = MIMEAccept([("text/html", 1)])
    assert html_only.accept_html
    assert not html_only.accept_json
    assert not html_only.accept_xhtml
    assert MIMEAccept([("*", 1)]).accept_json
    assert not MIMEAccept([("application/json", 0)]).accept_json


def test_language_accept() -> None:
    accept = LanguageAccept([("en-US", 1), ("de", 0.5)])
    assert accept["en_us"] == 1
    assert "EN-us" in accept
    assert accept.best == "en-US"
    assert accept.best_match(["de", "en-US"]) == "en-US"
    assert accept.best_match(["en"]) == "en"  # client en-US accepts server en
    assert accept.best_match(["de-AT"]) == "de-AT"  # client de accepts server de-AT
    assert accept.best_match(["fr"], default="en") == "en"
    assert accept.best_match(["fr", "en", "de"]) == "en"


def test_charset_accept() -> None:
    accept = CharsetAccept([("UTF-8", 1), ("latin-1", 0.5)])
    assert accept["utf8"] == 1
    assert accept["ISO-8859-1"] == 0.5
    assert accept.best_match(["iso-8859-1", "utf-8"]) == "utf-8"
    assert accept["made-up"] == 0


@given(
    st.lists(st.tuples(st.text(max_size=20), st.floats(0, 1)), max_size=10),
    st.lists(st.text(max_size=20), max_size=5),
)
def test_accept_classes_never_raise(values: list[tuple[str, float]], offers: list[str]) -> None:
    for cls in (Accept, MIMEAccept, LanguageAccept, CharsetAccept):
        accept = cls(values)
        accept.best_match(offers)
        for offer in offers:
            accept.quality(offer)
            _ = offer in accept
        accept.to_header()


# -- Authorization / WWW-Authenticate ------------------------------------------------


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def test_authorization_basic() -> None:
    auth = Authorization.from_header(_basic("user:pä:ss".encode()))
    assert auth is not None
    assert auth.type == "basic"
    assert (auth.username, auth.password, auth.token) == ("user", "pä:ss", None)
    assert auth["username"] == "user"
    assert auth.get("nope", "x") == "x"
    assert Authorization.from_header(auth.to_header()) == auth
    assert str(auth) == auth.to_header()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic !!!",
        "Basic dXNlcg",
        _basic(b"no-colon"),
        _basic(b"\xff:\xfe"),
        "   ",
    ],
)
def test_authorization_basic_bad_input_gives_none(header: str | None) -> None:
    assert Authorization.from_header(header) is None


def test_authorization_bearer_and_digest() -> None:
    bearer = Authorization.from_header("Bearer abc.DEF-123==")
    assert bearer is not None
    assert bearer.type == "bearer"
    assert bearer.token == "abc.DEF-123=="
    assert bearer.username is None
    assert bearer.to_header() == "Bearer abc.DEF-123=="
    digest = Authorization.from_header('Digest username="u", realm="r m", nonce=abc, uri="/x"')
    assert digest is not None
    assert digest.username == "u"
    assert digest.realm == "r m"
    assert digest.token is None
    assert Authorization.from_header(digest.to_header()) == digest
    with pytest.raises(AttributeError):
        _ = digest._private


def test_authorization_built_by_extensions() -> None:
    # Flask-HTTPAuth builds Authorization(scheme) for a token read from a
    # custom header and sets .token afterwards; APIFlask builds
    # Authorization("apiKey"). The scheme keeps its spelling, as in Werkzeug.
    auth = Authorization("apiKey")
    assert auth.type == "apiKey"
    assert auth.token is None
    assert auth.parameters == {}
    assert auth.username is None
    auth.token = "t0k"
    assert auth.to_header() == "Apikey t0k"
    basic = Authorization("Basic", {"username": "u", "password": "p"})
    assert basic.type == "Basic"
    assert basic.to_header() == "Basic " + base64.b64encode(b"u:p").decode()
    assert Authorization.from_header(basic.to_header()) == Authorization(
        "basic", {"username": "u", "password": "p"}
    )


@given(st.text(max_size=200))
def test_authorization_from_header_never_raises(value: str) -> None:
    Authorization.from_header(value)
    WWWAuthenticate.from_header(value)


def test_www_authenticate() -> None:
    updates: list[object] = []
    challenge = WWWAuthenticate("basic", {"realm": "admin area"}, on_update=updates.append)
    assert challenge.to_header() == 'Basic realm="admin area"'
    challenge.realm = "r"
    challenge["charset"] = "UTF-8"
    assert challenge.to_header() == 'Basic realm="r", charset="UTF-8"'
    assert len(updates) == 2
    challenge.realm = None
    assert challenge.to_header() == 'Basic charset="UTF-8"'
    del challenge["charset"]
    assert challenge.to_header() == "Basic"
    assert WWWAuthenticate("bearer", token="abc").to_header() == "Bearer abc"
    parsed = WWWAuthenticate.from_header('Digest realm="a", nonce=abc, qop="auth,auth-int"')
    assert parsed is not None
    assert parsed.parameters == {"realm": "a", "nonce": "abc", "qop": "auth,auth-int"}
    assert parsed.type == "digest"
    assert parsed.nonce == "abc"
    assert parsed.missing is None
    assert str(parsed) == parsed.to_header()


# -- Cache-Control --------------------------------------------------------------------


def test_request_cache_control_is_read_only() -> None:
    cc = RequestCacheControl({"max-stale": None, "min-fresh": "5", "max-age": "x"})
    assert cc.max_stale is True
    assert cc.min_fresh == 5
    assert cc.max_age is None
    assert not cc.no_cache
    assert not cc.only_if_cached
    assert cc.no_transform is False
    assert RequestCacheControl({"max-stale": "30"}).max_stale == 30
    assert RequestCacheControl({"max-age": "9" * 50}).max_age == 2**31
    with pytest.raises(TypeError, match="read-only"):
        cc.max_age = 3
    with pytest.raises(TypeError, match="read-only"):
        cc["x"] = "y"
    with pytest.raises(TypeError, match="read-only"):
        cc.update(x="y")


def test_response_cache_control_properties() -> None:
    updates: list[object] = []
    cc = ResponseCacheControl(on_update=updates.append)
    cc.max_age = 60
    cc.public = True
    cc.no_store = True
    cc.immutable = True
    cc.stale_while_revalidate = 30
    cc.must_understand = True
    assert cc.to_header() == (
        "max-age=60, public, no-store, immutable, stale-while-revalidate=30, must-understand"
    )
    assert len(updates) == 6
    cc.public = False
    cc.max_age = None
    del cc.immutable
    assert cc.to_header() == "no-store, stale-while-revalidate=30, must-understand"
    assert cc.max_age is None
    assert cc.public is False
    assert cc.no_store is True


def test_response_cache_control_field_names() -> None:
    cc = ResponseCacheControl({"private": "Set-Cookie", "no-cache": None, "s-maxage": "abc"})
    assert cc.private == "Set-Cookie"
    assert cc.no_cache is True
    assert cc.s_maxage is None
    assert ResponseCacheControl().no_cache is False
    assert ResponseCacheControl().private is None
    cc.private = True
    assert cc.to_header() == "private, no-cache, s-maxage=abc"
    cc.no_cache = "Authorization, X"
    assert 'no-cache="Authorization, X"' in cc.to_header()


def test_cache_control_dict_methods_call_on_update() -> None:
    updates: list[object] = []
    cc = ResponseCacheControl({"a": None}, on_update=updates.append)
    cc["b"] = "1"
    cc.setdefault("c", "2")
    cc.setdefault("c", "3")
    cc.pop("a")
    cc.pop("missing", None)
    cc.update({"d": None})
    cc |= {"e": "5"}
    cc.popitem()
    cc.clear()
    assert len(updates) == 7
    assert not cc
    assert pickle.loads(pickle.dumps(ResponseCacheControl({"x": "1"}))) == {"x": "1"}
    assert repr(ResponseCacheControl({"x": None})) == "<ResponseCacheControl 'x'>"


# -- ETags / IfRange -----------------------------------------------------------------


def test_etags() -> None:
    etags = ETags(["a", "b"], ["w"])
    assert etags.contains("a")
    assert not etags.contains("w")
    assert etags.contains_weak("w")
    assert etags.is_weak("w")
    assert etags.is_strong("a")
    assert etags.contains_raw('"a"')
    assert etags.contains_raw('W/"w"')
    assert not etags.contains_raw('"w"')
    assert etags.as_set() == {"a", "b"}
    assert etags.as_set(include_weak=True) == {"a", "b", "w"}
    assert "a" in etags
    assert "w" not in etags
    assert 3 not in etags
    assert etags.to_header() == '"a", "b", W/"w"'
    assert sorted(etags) == ["a", "b"]
    assert len(etags) == 2
    assert etags("a")
    assert etags("w", include_weak=True)
    assert not etags("w")
    assert ETags([hashlib.sha1(b"body").hexdigest()])(data=b"body")
    with pytest.raises(TypeError, match="etag"):
        etags()
    assert bool(etags)
    assert not ETags()
    assert ETags(["a"]) == ETags(["a"])
    assert ETags(["a"]) != ETags(["b"])


def test_etags_star() -> None:
    star = ETags(star_tag=True)
    assert star.contains("anything")
    assert star.contains_weak("x")
    assert bool(star)
    assert star.to_header() == "*"
    assert str(star) == "*"


def test_if_range() -> None:
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    assert IfRange(date=moment).to_header() == "Wed, 01 Jan 2020 00:00:00 GMT"
    assert IfRange("abc").to_header() == '"abc"'
    assert IfRange("abc", weak=True).to_header() == 'W/"abc"'
    assert IfRange().to_header() == ""
    assert not IfRange()
    assert IfRange("x")


# -- Range / ContentRange ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "length", "expected"),
    [
        ([(0, 500)], 1000, (0, 500)),
        ([(0, 500)], 100, (0, 100)),
        ([(-500, None)], 1000, (500, 1000)),
        ([(-500, None)], 100, (0, 100)),
        ([(9500, None)], 10000, (9500, 10000)),
        ([(1000, None)], 1000, None),
        ([(0, 1), (5, 6)], 1000, None),
    ],
)
def test_range_for_length(
    ranges: list[tuple[int, int | None]], length: int, expected: tuple[int, int] | None
) -> None:
    rng = Range("bytes", ranges)
    assert rng.range_for_length(length) == expected
    assert Range("items", ranges).range_for_length(length) is None
    assert rng.range_for_length(None) is None


def test_range_headers() -> None:
    rng = Range("bytes", [(0, 500), (-500, None), (9500, None)])
    assert rng.to_header() == "bytes=0-499,-500,9500-"
    single = Range("bytes", [(0, 500)])
    assert single.to_content_range_header(1000) == "bytes 0-499/1000"
    assert single.to_content_range_header(None) is None
    content_range = single.make_content_range(1000)
    assert content_range == ContentRange("bytes", 0, 500, 1000)
    assert Range("bytes", [(2000, None)]).make_content_range(1000) is None
    assert str(single) == "bytes=0-499"


def test_content_range() -> None:
    updates: list[object] = []
    cr = ContentRange("bytes", 0, 500, 1234, on_update=updates.append)
    assert cr.to_header() == "bytes 0-499/1234"
    assert bool(cr)
    cr.set(10, 20)
    assert cr.to_header() == "bytes 10-19/*"
    cr.stop = 30
    cr.start = 20
    cr.units = "bytes"
    assert cr.to_header() == "bytes 20-29/*"
    cr.unset()
    assert cr.to_header() == ""
    assert not cr
    assert len(updates) == 5
    assert ContentRange("bytes", None, None, 99).to_header() == "bytes */99"
    with pytest.raises(ValueError, match="content range"):
        ContentRange("bytes", 5, 4)
    with pytest.raises(ValueError, match="content range"):
        cr.set(0, 100, 50)


# -- Content-Security-Policy ----------------------------------------------------


def test_content_security_policy_directives_as_attributes() -> None:
    changes: list[str] = []
    csp = ContentSecurityPolicy(on_update=lambda c: changes.append(c.to_header()))
    assert csp.default_src is None
    csp.default_src = "'self'"
    csp.img_src = "'self' data:"
    csp.upgrade_insecure_requests = ""
    assert csp == {
        "default-src": "'self'",
        "img-src": "'self' data:",
        "upgrade-insecure-requests": "",
    }
    assert str(csp) == "default-src 'self'; img-src 'self' data:; upgrade-insecure-requests"
    csp.img_src = None
    del csp.upgrade_insecure_requests
    del csp.frame_ancestors  # absent: nothing to do
    assert csp.to_header() == "default-src 'self'"
    assert changes[-1] == "default-src 'self'"
    assert len(changes) == 5


@pytest.mark.parametrize(
    "value",
    [
        "default-src 'self'",
        "default-src 'self'; img-src * data:; report-uri /csp",
        "  script-src 'self' 'nonce-abc' ;;style-src 'self'  ",
    ],
)
def test_parse_csp_header_matches_werkzeug_on_ordinary_policies(value: str) -> None:
    parsed = parse_csp_header(value)
    assert isinstance(parsed, ContentSecurityPolicy)
    assert dict(parsed) == dict(wz_http.parse_csp_header(value))
    assert dump_csp_header(parsed) == wz_http.dump_csp_header(wz_http.parse_csp_header(value))


def test_parse_csp_header_follows_csp3_where_werkzeug_does_not() -> None:
    # CSP Level 3 section 2.2.1: names are case-insensitive, the first of two
    # equal directives wins, and a directive may have no value.
    parsed = parse_csp_header("Default-Src 'self'; default-src *; upgrade-insecure-requests")
    assert dict(parsed) == {"default-src": "'self'", "upgrade-insecure-requests": ""}
    assert parsed.to_header() == "default-src 'self'; upgrade-insecure-requests"
    assert dict(parse_csp_header(None)) == {}
    assert dict(parse_csp_header(" ; ;")) == {}


def test_parse_csp_header_class_and_callback() -> None:
    class Policy(ContentSecurityPolicy):
        __slots__ = ()

    seen: list[ContentSecurityPolicy] = []
    parsed = parse_csp_header("img-src *", seen.append, cls=Policy)
    assert type(parsed) is Policy
    parsed.script_src = "'self'"
    assert seen == [parsed]
    dumped = dump_csp_header({"default-src": "'none'", "sandbox": ""})
    assert dumped == "default-src 'none'; sandbox"


@given(st.text(max_size=200))
def test_parse_csp_header_never_raises(value: str) -> None:
    parse_csp_header(value).to_header()
