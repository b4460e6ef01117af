"""Converters: what each accepts, its arguments, weights, building, custom ones."""

from __future__ import annotations

import typing as t
import uuid

import pytest

from kolben.exceptions import NotFound
from kolben.routing import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    Map,
    PathConverter,
    Rule,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)


def one(rule: str, path: str, **kw: t.Any) -> t.Any:
    """The value of variable ``x`` when ``path`` matches ``rule``, else NotFound."""
    url_map = Map([Rule(rule, endpoint="e")], **kw)
    return url_map.bind("example.com").match(path)[1]["x"]


def build(rule: str, value: t.Any, **kw: t.Any) -> str:
    return Map([Rule(rule, endpoint="e")], **kw).bind("example.com").build("e", {"x": value})


def test_default_converter_names_and_weights() -> None:
    assert set(DEFAULT_CONVERTERS) == {"default", "string", "any", "path", "int", "float", "uuid"}
    assert DEFAULT_CONVERTERS["default"] is UnicodeConverter is DEFAULT_CONVERTERS["string"]
    assert (IntegerConverter.weight, FloatConverter.weight) == (50, 50)
    assert (UnicodeConverter.weight, UUIDConverter.weight, AnyConverter.weight) == (100, 100, 100)
    assert PathConverter.weight == 200
    assert PathConverter.part_isolating is False
    assert IntegerConverter.part_isolating is True


# -- string -----------------------------------------------------------------------


def test_string_takes_one_segment() -> None:
    assert one("/<x>", "/hello world") == "hello world"
    assert one("/<string:x>", "/ä") == "ä"
    with pytest.raises(NotFound):
        one("/<x>", "/a/b")


@pytest.mark.parametrize(
    ("args", "ok", "bad"),
    [
        ("length=2", ["ab"], ["a", "abc"]),
        ("minlength=2", ["ab", "abcdef"], ["a"]),
        ("maxlength=3", ["a", "abc"], ["abcd"]),
        ("minlength=2, maxlength=3", ["ab", "abc"], ["a", "abcd"]),
    ],
)
def test_string_lengths(args: str, ok: list[str], bad: list[str]) -> None:
    for value in ok:
        assert one(f"/<string({args}):x>", f"/{value}") == value
    for value in bad:
        with pytest.raises(NotFound):
            one(f"/<string({args}):x>", f"/{value}")


# -- int and float ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "path", "value"),
    [
        ("/<int:x>", "/42", 42),
        ("/<int:x>", "/007", 7),
        ("/<int(signed=True):x>", "/-5", -5),
        ("/<int(signed=True):x>", "/5", 5),
        ("/<int(fixed_digits=4):x>", "/0042", 42),
        ("/<int(min=3, max=5):x>", "/3", 3),
        ("/<int(min=3, max=5):x>", "/5", 5),
        ("/<float:x>", "/1.5", 1.5),
        ("/<float(signed=True):x>", "/-1.5", -1.5),
        ("/<float(max=2.0):x>", "/2.0", 2.0),
    ],
)
def test_numbers_match(rule: str, path: str, value: t.Any) -> None:
    got = one(rule, path)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/<int:x>", "/-5"),
        ("/<int:x>", "/+5"),
        ("/<int:x>", "/4.2"),
        ("/<int:x>", "/x"),
        ("/<int:x>", "/٣"),  # Arabic-Indic digit three: ASCII digits only
        ("/<int:x>", "/²"),
        ("/<int(signed=True):x>", "/+5"),
        ("/<int(fixed_digits=4):x>", "/42"),
        ("/<int(fixed_digits=4):x>", "/00042"),
        ("/<int(min=3, max=5):x>", "/2"),
        ("/<int(min=3, max=5):x>", "/6"),
        ("/<float:x>", "/1"),
        ("/<float:x>", "/1."),
        ("/<float:x>", "/.5"),
        ("/<float:x>", "/-1.5"),
        ("/<float(max=2.0):x>", "/2.5"),
    ],
)
def test_numbers_refuse(rule: str, path: str) -> None:
    with pytest.raises(NotFound):
        one(rule, path)


def test_number_building() -> None:
    assert build("/<int(fixed_digits=4):x>", 42) == "/0042"
    assert build("/<int(fixed_digits=2):x>", 12345) == "/12345"
    assert build("/<int(signed=True):x>", -4) == "/-4"
    assert build("/<float:x>", 2) == "/2.0"
    assert build("/<float:x>", 1.25) == "/1.25"
    with pytest.raises(ValueError, match="invalid literal"):
        build("/<int:x>", "abc")


@pytest.mark.parametrize("registered_first", ["int", "string"])
def test_int_beats_string_and_string_beats_path(registered_first: str) -> None:
    rules = [
        Rule("/<int:x>", endpoint="int"),
        Rule("/<x>", endpoint="string"),
        Rule("/<path:x>", endpoint="path"),
    ]
    if registered_first == "string":
        rules = rules[::-1]
    adapter = Map(rules).bind("example.com")
    assert adapter.match("/5") == ("int", {"x": 5})
    assert adapter.match("/five") == ("string", {"x": "five"})
    assert adapter.match("/a/b") == ("path", {"x": "a/b"})


def test_float_and_int_side_by_side() -> None:
    adapter = Map([Rule("/<float:x>", endpoint="f"), Rule("/<int:x>", endpoint="i")]).bind("h")
    assert adapter.match("/1") == ("i", {"x": 1})
    assert adapter.match("/1.0") == ("f", {"x": 1.0})


# -- path, uuid, any --------------------------------------------------------------


def test_path_takes_the_rest() -> None:
    assert one("/static/<path:x>", "/static/css/app.css") == "css/app.css"
    assert one("/<path:x>/edit", "/a/b/edit") == "a/b"
    with pytest.raises(NotFound):
        one("/static/<path:x>", "/static/")
    assert build("/static/<path:x>", "a b/c?.css") == "/static/a%20b/c%3F.css"


def test_uuid() -> None:
    text = "a8098c1a-f86e-11da-bd1a-00112444be1e"
    assert one("/<uuid:x>", f"/{text}") == uuid.UUID(text)
    assert one("/<uuid:x>", f"/{text.upper()}") == uuid.UUID(text)
    for bad in [
        "a8098c1a-f86e-11da-bd1a-00112444be1",
        "a8098c1af86e11dabd1a00112444be1e",
        "g" * 8 + text[8:],
    ]:
        with pytest.raises(NotFound):
            one("/<uuid:x>", f"/{bad}")
    assert build("/<uuid:x>", uuid.UUID(text)) == f"/{text}"


def test_any() -> None:
    rule = "/<any(about, help, 'a b', index.html):x>"
    assert one(rule, "/about") == "about"
    assert one(rule, "/a b") == "a b"
    assert one(rule, "/index.html") == "index.html"
    for bad in ["/abou", "/aboutx", "/index"]:
        with pytest.raises(NotFound):
            one(rule, bad)
    assert build(rule, "help") == "/help"
    assert build(rule, "a b") == "/a%20b"
    with pytest.raises(ValueError, match="not one of"):
        build(rule, "other")


def test_any_inside_a_mixed_segment_prefers_the_longest_item() -> None:
    assert one("/<any(a, ab):x>b", "/abb") == "ab"
    assert one("/<any(a, ab):x>b", "/ab") == "a"


def test_any_regex_lists_the_items_in_the_rule_order() -> None:
    # flask-smorest reads the items back from the regex (OpenAPI's enum) in
    # the order the rule gives them, as Werkzeug writes the alternation.
    assert AnyConverter(Map(), "foo", "bar", "foo+bar").regex == r"(?:foo|bar|foo\+bar)"
    assert one("/<any(a, ab):x>", "/ab") == "ab"


def test_any_needs_items_without_slashes() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Map([Rule("/<any:x>", endpoint="e")])
    with pytest.raises(ValueError, match="without '/'"):
        Map([Rule("/<any('a/b'):x>", endpoint="e")])


# -- to_url quoting ---------------------------------------------------------------


def test_to_url_keeps_sub_delims_and_encodes_the_rest() -> None:
    conv = BaseConverter(Map())
    assert conv.to_url("!$&'()*+,/:;=@") == "!$&'()*+,/:;=@"
    assert conv.to_url("a-b_c.d~e") == "a-b_c.d~e"
    assert conv.to_url('a b?c#d%e"<>') == "a%20b%3Fc%23d%25e%22%3C%3E"
    assert conv.to_url("ü€") == "%C3%BC%E2%82%AC"
    assert conv.to_url(12) == "12"
    assert build("/<x>", "a/b c") == "/a/b%20c"


# -- custom converters ------------------------------------------------------------


class Even(BaseConverter):
    regex = "[0-9]+"
    weight = 10

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValidationError()
        return number

    def to_url(self, value: t.Any) -> str:
        if int(value) % 2:
            raise ValidationError()
        return str(value)


def test_custom_converter_validation_error_tries_the_next_rule() -> None:
    url_map = Map(
        [Rule("/n/<even:x>", endpoint="even"), Rule("/n/<int:x>", endpoint="odd")],
        converters={"even": Even},
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/n/4") == ("even", {"x": 4})
    assert adapter.match("/n/3") == ("odd", {"x": 3})
    # to_url refusing skips the rule when building, too.
    url_map.add(Rule("/odd/<int:x>", endpoint="even"))
    assert adapter.build("even", {"x": 4}) == "/n/4"
    assert adapter.build("even", {"x": 3}) == "/odd/3"


def test_custom_converter_with_a_slash_is_not_part_isolating() -> None:
    class Pair(BaseConverter):
        regex = "[a-z]+/[a-z]+"

        def to_python(self, value: str) -> tuple[str, ...]:
            return tuple(value.split("/"))

    class Word(BaseConverter):
        regex = "[a-z]+"

    assert Pair.part_isolating is False
    assert Word.part_isolating is True
    url_map = Map(
        [Rule("/p/<pair:x>/end", endpoint="pair"), Rule("/p/<word:x>", endpoint="word")],
        converters={"pair": Pair, "word": Word},
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/p/ab/cd/end") == ("pair", {"x": ("ab", "cd")})
    assert adapter.match("/p/ab") == ("word", {"x": "ab"})
    with pytest.raises(NotFound):
        adapter.match("/p/ab/cd")


def test_explicit_part_isolating_is_respected() -> None:
    class Odd(BaseConverter):
        regex = "x/y"
        part_isolating = True

    assert Odd.part_isolating is True


def test_custom_converter_arguments_and_mixed_segments() -> None:
    class Prefixed(BaseConverter):
        def __init__(self, map: Map, prefix: str, *, upper: bool = False) -> None:
            super().__init__(map)
            self.regex = f"{prefix}[0-9]+"
            self.upper = upper

        def to_python(self, value: str) -> str:
            return value.upper() if self.upper else value

    url_map = Map(
        [Rule("/item-<pre('v', upper=True):x>.json", endpoint="e")],
        converters={"pre": Prefixed},
    )
    assert url_map.bind("h").match("/item-v12.json") == ("e", {"x": "V12"})
    with pytest.raises(NotFound):
        url_map.bind("h").match("/item-w12.json")


def test_converters_must_be_registered_before_the_rules() -> None:
    url_map = Map()
    rule = Rule("/<even:x>", endpoint="e")
    with pytest.raises(LookupError, match="even"):
        url_map.add(rule)
    url_map.converters["even"] = Even
    url_map.add(rule)
    assert url_map.bind("h").match("/2") == ("e", {"x": 2})
