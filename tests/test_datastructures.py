"""Tests for kolben.datastructures: multidicts, headers, uploads, small containers."""

from __future__ import annotations

import copy
import io
import pickle
import typing as t
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kolben.datastructures as ds
from kolben.datastructures import (
    CallbackDict,
    CombinedMultiDict,
    EnvironHeaders,
    FileStorage,
    Headers,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    MultiDict,
    iter_multi_items,
)
from kolben.exceptions import BadRequest, BadRequestKeyError

# -- package surface ------------------------------------------------------


def test_all_is_sorted_and_importable() -> None:
    assert ds.__all__ == sorted(ds.__all__)
    for name in ds.__all__:
        assert getattr(ds, name) is not None


# -- MultiDict ------------------------------------------------------------


def test_multidict_from_pairs_dict_and_multidict() -> None:
    from_pairs = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert from_pairs.getlist("a") == [1, 3]
    from_dict = MultiDict({"a": [1, 3], "b": 2, "c": (4, 5), "empty": []})
    assert from_dict.getlist("a") == [1, 3]
    assert from_dict.getlist("c") == [4, 5]
    assert "empty" not in from_dict
    copied = MultiDict(from_pairs)
    copied.add("a", 9)
    assert from_pairs.getlist("a") == [1, 3]
    assert MultiDict().to_dict() == {}


def test_multidict_getitem_first_value_and_missing_key() -> None:
    d = MultiDict([("a", "1"), ("a", "2")])
    assert d["a"] == "1"
    with pytest.raises(BadRequestKeyError) as info:
        d["missing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
    assert info.value.args[0] == "missing"


def test_multidict_get_with_type() -> None:
    d: MultiDict[str, t.Any] = MultiDict([("n", "42"), ("bad", "x"), ("none", None)])
    assert d.get("n") == "42"
    assert d.get("n", type=int) == 42
    assert d.get("bad", type=int) is None
    assert d.get("bad", -1, type=int) == -1
    assert d.get("none", 0, type=int) == 0  # int(None) raises TypeError
    assert d.get("missing", "dflt") == "dflt"


def test_multidict_getlist_with_type_skips_failures() -> None:
    d = MultiDict([("n", "1"), ("n", "x"), ("n", "3")])
    assert d.getlist("n") == ["1", "x", "3"]
    assert d.getlist("n", type=int) == [1, 3]
    assert d.getlist("missing") == []
    values = d.getlist("n")
    values.append("4")
    assert d.getlist("n") == ["1", "x", "3"]


def test_multidict_add_setitem_setlist() -> None:
    d: MultiDict[str, str] = MultiDict()
    d.add("a", "1")
    d.add("a", "2")
    assert d.getlist("a") == ["1", "2"]
    d["a"] = "3"
    assert d.getlist("a") == ["3"]
    d.setlist("a", ["4", "5"])
    assert d.getlist("a") == ["4", "5"]
    d.setlist("empty", [])
    assert "empty" in d
    with pytest.raises(KeyError):
        d["empty"]
    assert d.get("empty") is None
    assert dict(d.items()) == {"a": "4"}


def test_multidict_setdefault_and_setlistdefault() -> None:
    d = MultiDict([("a", "1")])
    assert d.setdefault("a", "x") == "1"
    assert d.setdefault("b", "2") == "2"
    assert d.getlist("b") == ["2"]
    live = d.setlistdefault("c", ["3"])
    live.append("4")
    assert d.getlist("c") == ["3", "4"]
    assert d.setlistdefault("a") == ["1"]


def test_multidict_views() -> None:
    d = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert list(d.items()) == [("a", 1), ("b", 2)]
    assert list(d.items(multi=True)) == [("a", 1), ("a", 3), ("b", 2)]
    assert list(d.lists()) == [("a", [1, 3]), ("b", [2])]
    assert list(d.values()) == [1, 2]
    assert list(d.listvalues()) == [[1, 3], [2]]
    assert list(d.keys()) == ["a", "b"]
    assert list(d) == ["a", "b"]
    assert len(d) == 2
    assert d.to_dict() == {"a": 1, "b": 2}
    assert d.to_dict(flat=False) == {"a": [1, 3], "b": [2]}


def test_multidict_update_adds_values() -> None:
    d = MultiDict([("a", 1)])
    d.update({"a": 2, "b": [3, 4]})
    d.update(MultiDict([("a", 5)]))
    d.update([("c", 6)], d=7)
    assert d.getlist("a") == [1, 2, 5]
    assert d.getlist("b") == [3, 4]
    assert d["c"] == 6
    assert d["d"] == 7


def test_multidict_or_operators() -> None:
    d = MultiDict([("a", 1)])
    merged = d | {"a": 2}
    assert merged.getlist("a") == [1, 2]
    assert d.getlist("a") == [1]
    d |= MultiDict([("a", 3)])
    assert d.getlist("a") == [1, 3]
    assert d.__or__(5) is NotImplemented


def test_multidict_pop_family() -> None:
    d = MultiDict([("a", 1), ("a", 2), ("b", 3)])
    assert d.pop("a") == 1
    assert "a" not in d
    assert d.pop("a", "dflt") == "dflt"
    with pytest.raises(BadRequestKeyError):
        d.pop("a")
    assert d.poplist("b") == [3]
    assert d.poplist("b") == []
    d = MultiDict([("x", 1), ("x", 2)])
    assert d.popitem() == ("x", 1)
    with pytest.raises(KeyError):
        d.popitem()
    d = MultiDict([("x", 1), ("x", 2)])
    assert d.popitemlist() == ("x", [1, 2])
    with pytest.raises(KeyError):
        d.popitemlist()


def test_multidict_popitem_of_empty_list() -> None:
    d: MultiDict[str, int] = MultiDict()
    d.setlist("x", [])
    with pytest.raises(KeyError):
        d.popitem()


def test_multidict_equality_and_repr() -> None:
    a = MultiDict([("a", 1), ("a", 2)])
    assert a == MultiDict({"a": [1, 2]})
    assert a != MultiDict({"a": [2, 1]})
    assert a == {"a": [1, 2]}
    assert repr(a) == "MultiDict([('a', 1), ('a', 2)])"


def test_multidict_copy_deepcopy_pickle() -> None:
    inner: list[int] = [1]
    d = MultiDict([("a", inner), ("a", [2])])
    shallow = d.copy()
    assert shallow == d
    assert shallow["a"] is inner
    shallow.add("b", [3])
    assert "b" not in d
    deep = d.deepcopy()
    assert deep == d
    assert deep["a"] is not inner
    assert copy.copy(d) == d
    assert copy.deepcopy(d)["a"] is not inner
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        restored = pickle.loads(pickle.dumps(d, protocol))
        assert type(restored) is MultiDict
        assert restored == d


@given(st.lists(st.tuples(st.text(max_size=5), st.integers())))
def test_multidict_round_trips_pairs(pairs: list[tuple[str, int]]) -> None:
    d = MultiDict(pairs)
    by_key: dict[str, list[int]] = {}
    for key, value in pairs:
        by_key.setdefault(key, []).append(value)
    assert d.to_dict(flat=False) == by_key
    assert MultiDict(d.to_dict(flat=False)) == d
    assert sorted(d.items(multi=True)) == sorted(pairs)
    assert ImmutableMultiDict._from_pairs(pairs) == d
    assert pickle.loads(pickle.dumps(d)) == d
    for key, values in by_key.items():
        assert d.getlist(key) == values
        assert d[key] == values[0]


def test_iter_multi_items() -> None:
    assert list(iter_multi_items(MultiDict([("a", 1), ("a", 2)]))) == [("a", 1), ("a", 2)]
    assert list(iter_multi_items({"a": [1, 2], "b": 3})) == [("a", 1), ("a", 2), ("b", 3)]
    assert list(iter_multi_items([("a", [1])])) == [("a", [1])]


# -- ImmutableMultiDict ---------------------------------------------------


IMMUTABLE_MULTIDICT_CALLS: list[tuple[str, tuple[t.Any, ...]]] = [
    ("__setitem__", ("a", 1)),
    ("__delitem__", ("a",)),
    ("add", ("a", 1)),
    ("setlist", ("a", [1])),
    ("setdefault", ("z", 1)),
    ("setlistdefault", ("z", [1])),
    ("update", ({"a": 1},)),
    ("pop", ("a",)),
    ("popitem", ()),
    ("poplist", ("a",)),
    ("popitemlist", ()),
    ("clear", ()),
    ("__ior__", ({"a": 1},)),
]


@pytest.mark.parametrize(("method", "args"), IMMUTABLE_MULTIDICT_CALLS)
def test_immutable_multidict_refuses_changes(method: str, args: tuple[t.Any, ...]) -> None:
    d = ImmutableMultiDict([("a", 1)])
    with pytest.raises(TypeError, match="immutable"):
        getattr(d, method)(*args)
    assert d.getlist("a") == [1]


def test_immutable_multidict_statement_forms() -> None:
    d = ImmutableMultiDict([("a", 1)])
    with pytest.raises(TypeError):
        d["a"] = 2
    with pytest.raises(TypeError):
        del d["a"]
    with pytest.raises(TypeError):
        d |= {"b": 1}


def test_immutable_multidict_hash_copy_pickle() -> None:
    a = ImmutableMultiDict([("a", 1), ("b", 2)])
    b = ImmutableMultiDict([("b", 2), ("a", 1)])
    assert a == b
    assert hash(a) == hash(b)
    assert {a: "x"}[b] == "x"
    mutable = a.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", 3)
    assert a.getlist("a") == [1]
    assert copy.copy(a) is a
    assert type(copy.deepcopy(a)) is ImmutableMultiDict
    restored = pickle.loads(pickle.dumps(a))
    assert type(restored) is ImmutableMultiDict
    assert restored == a
    assert (a | {"c": 3}).getlist("c") == [3]


def test_from_pairs_builds_the_subclass() -> None:
    d: ImmutableMultiDict[str, str] = ImmutableMultiDict._from_pairs(
        [("a", "1"), ("b", "2"), ("a", "3")]
    )
    assert type(d) is ImmutableMultiDict
    assert d.getlist("a") == ["1", "3"]
    assert list(d) == ["a", "b"]
    assert type(MultiDict._from_pairs([])) is MultiDict


# -- CombinedMultiDict ----------------------------------------------------


def make_combined() -> CombinedMultiDict[str, str]:
    args = ImmutableMultiDict([("a", "1"), ("page", "x"), ("a", "2")])
    form = ImmutableMultiDict([("a", "3"), ("b", "4"), ("page", "7")])
    return CombinedMultiDict([args, form])


def test_combined_reads_first_dict_holding_key() -> None:
    c = make_combined()
    assert c["a"] == "1"
    assert c["b"] == "4"
    assert c.get("b") == "4"
    assert c.get("missing", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        c["missing"]


def test_combined_get_type_tries_next_dict() -> None:
    c = make_combined()
    assert c.get("page", type=int) == 7
    assert c.get("a", type=int) == 1
    assert c.get("b", 0, type=lambda v: int(v) * 2) == 8
    assert c.get("page", type=float) == 7.0
    assert c.get("missing", 5, type=int) == 5


def test_combined_getlist_concatenates() -> None:
    c = make_combined()
    assert c.getlist("a") == ["1", "2", "3"]
    assert c.getlist("page", type=int) == [7]
    assert c.getlist("missing") == []


def test_combined_keys_items_and_dicts() -> None:
    c = make_combined()
    assert list(c.keys()) == ["a", "page", "b"]
    assert list(c) == ["a", "page", "b"]
    assert len(c) == 3
    assert bool(c)
    assert not CombinedMultiDict()
    assert "b" in c
    assert "z" not in c
    assert list(c.items()) == [("a", "1"), ("page", "x"), ("b", "4")]
    assert list(c.items(multi=True)) == [
        ("a", "1"),
        ("a", "2"),
        ("page", "x"),
        ("a", "3"),
        ("b", "4"),
        ("page", "7"),
    ]
    assert list(c.values()) == ["1", "x", "4"]
    assert list(c.lists()) == [("a", ["1", "2", "3"]), ("page", ["x", "7"]), ("b", ["4"])]
    assert list(c.listvalues()) == [["1", "2", "3"], ["x", "7"], ["4"]]
    assert c.to_dict() == {"a": "1", "page": "x", "b": "4"}
    assert c.to_dict(flat=False)["a"] == ["1", "2", "3"]


def test_combined_is_read_only_and_copies_to_multidict() -> None:
    c = make_combined()
    with pytest.raises(TypeError):
        c["a"] = "x"
    with pytest.raises(TypeError):
        c.add("a", "x")
    with pytest.raises(TypeError):
        c.pop("a")
    mutable = c.copy()
    assert type(mutable) is MultiDict
    assert mutable.getlist("a") == ["1", "2", "3"]
    mutable.add("a", "9")
    assert c.getlist("a") == ["1", "2", "3"]
    assert type(c.deepcopy()) is MultiDict
    assert copy.copy(c) == c


def test_combined_reflects_underlying_changes() -> None:
    form: MultiDict[str, str] = MultiDict()
    c = CombinedMultiDict([ImmutableMultiDict([("a", "1")]), form])
    form.add("b", "2")
    assert c["b"] == "2"


def test_combined_equality_hash_repr_pickle() -> None:
    c = make_combined()
    flat = MultiDict(c)
    assert c == flat
    assert flat == c
    assert c == flat.to_dict(flat=False)
    assert c != MultiDict()
    assert (c == 5) is False
    assert c.__eq__(5) is NotImplemented
    assert c.__ne__(5) is NotImplemented
    assert hash(c) == hash(make_combined())
    assert repr(c).startswith("CombinedMultiDict([ImmutableMultiDict(")
    restored = pickle.loads(pickle.dumps(c))
    assert type(restored) is CombinedMultiDict
    assert restored.getlist("a") == ["1", "2", "3"]


# -- ImmutableDict / ImmutableList ---------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("__setitem__", ("a", 1)),
        ("__delitem__", ("a",)),
        ("setdefault", ("b", 1)),
        ("update", ({"b": 1},)),
        ("pop", ("a",)),
        ("popitem", ()),
        ("clear", ()),
        ("__ior__", ({"b": 1},)),
    ],
)
def test_immutable_dict_refuses_changes(method: str, args: tuple[t.Any, ...]) -> None:
    d = ImmutableDict({"a": 1})
    with pytest.raises(TypeError, match="immutable"):
        getattr(d, method)(*args)
    assert d == {"a": 1}


def test_immutable_dict_hash_copy_pickle_fromkeys() -> None:
    d = ImmutableDict({"a": 1, "b": 2})
    assert hash(d) == hash(ImmutableDict({"b": 2, "a": 1}))
    mutable = d.copy()
    assert type(mutable) is dict
    mutable["c"] = 3
    assert "c" not in d
    assert copy.copy(d) is d
    assert pickle.loads(pickle.dumps(d)) == d
    assert type(pickle.loads(pickle.dumps(d))) is ImmutableDict
    keys = ImmutableDict.fromkeys(["x", "y"], 0)
    assert type(keys) is ImmutableDict
    assert keys == {"x": 0, "y": 0}
    assert repr(d) == "ImmutableDict({'a': 1, 'b': 2})"


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("__setitem__", (0, 9)),
        ("__delitem__", (0,)),
        ("__iadd__", ([9],)),
        ("__imul__", (2,)),
        ("append", (9,)),
        ("extend", ([9],)),
        ("insert", (0, 9)),
        ("pop", ()),
        ("remove", (1,)),
        ("reverse", ()),
        ("sort", ()),
        ("clear", ()),
    ],
)
def test_immutable_list_refuses_changes(method: str, args: tuple[t.Any, ...]) -> None:
    items = ImmutableList([1, 2])
    with pytest.raises(TypeError, match="immutable"):
        getattr(items, method)(*args)
    assert items == [1, 2]


def test_immutable_list_hash_copy_pickle() -> None:
    items = ImmutableList([1, 2])
    assert hash(items) == hash((1, 2))
    assert type(items.copy()) is list
    restored = pickle.loads(pickle.dumps(items))
    assert type(restored) is ImmutableList
    assert restored == [1, 2]
    assert repr(items) == "ImmutableList([1, 2])"
    assert [*items, 3] == [1, 2, 3]


# -- Headers --------------------------------------------------------------


def test_headers_construction_forms() -> None:
    assert Headers([("X-A", "1"), ("X-A", "2")]).getlist("x-a") == ["1", "2"]
    assert Headers({"X-A": ["1", "2"], "X-B": 3}).items() == [
        ("X-A", "1"),
        ("X-A", "2"),
        ("X-B", "3"),
    ]
    assert Headers(MultiDict([("X", "1"), ("X", "2")])).getlist("X") == ["1", "2"]
    original = Headers([("X", "1")])
    copied = Headers(original)
    copied.add("Y", "2")
    assert "Y" not in original
    assert len(Headers()) == 0
    assert not Headers()


def test_headers_case_insensitive_access() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-Multi", "a"), ("x-multi", "b")])
    assert h["content-type"] == "text/plain"
    assert h["CONTENT-TYPE"] == "text/plain"
    assert "CoNtEnT-TyPe" in h
    assert 5 not in h
    assert h.getlist("X-MULTI") == ["a", "b"]
    assert h.get_all("x-multi") == ["a", "b"]
    with pytest.raises(KeyError):
        h["missing"]
    with pytest.raises(BadRequestKeyError):
        h["missing"]
    with pytest.raises(KeyError):
        h[1.5]  # type: ignore[call-overload]


def test_headers_index_and_slice_access() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("C", "3")])
    assert h[0] == ("A", "1")
    assert h[-1] == ("C", "3")
    sliced = h[1:]
    assert isinstance(sliced, Headers)
    assert sliced.items() == [("B", "2"), ("C", "3")]
    h[0] = ("Z", "9")
    assert h[0] == ("Z", "9")
    h[1:] = [("Q", "1")]
    assert h.items() == [("Z", "9"), ("Q", "1")]
    del h[0]
    assert h.items() == [("Q", "1")]
    with pytest.raises(TypeError):
        h[1.5] = "x"  # type: ignore[index]


def test_headers_get_and_getlist_with_type() -> None:
    h = Headers([("Content-Length", "42"), ("X-N", "1"), ("X-N", "x"), ("X-N", "3")])
    assert h.get("content-length", type=int) == 42
    assert h.get("x-n", type=int) == 1
    assert h.get("missing") is None
    assert h.get("missing", "d") == "d"
    h.set("Content-Length", "abc")
    assert h.get("content-length", type=int) is None
    assert h.get("content-length", 0, type=int) == 0
    assert h.getlist("x-n", type=int) == [1, 3]
    assert h.getlist("missing") == []


def test_headers_add_with_params() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="report 1.pdf")
    h.add("X", "v", plain="token", skipped=None, off=False, flag=True, some_key=5)
    h.add_header("Y", "v", name='a"b')
    assert h["Content-Disposition"] == 'attachment; filename="report 1.pdf"'
    assert h["X"] == "v; plain=token; flag; some-key=5"
    assert h["Y"] == 'v; name="a\\"b"'


def test_headers_add_non_ascii_param_uses_rfc8187() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="naïve €.txt")
    assert h["Content-Disposition"] == "attachment; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt"


def test_headers_values_are_converted_to_str() -> None:
    h = Headers()
    h.add("Content-Length", 12)
    h["X-Bytes"] = b"raw"
    h.set("X-Float", 1.5)
    assert h["content-length"] == "12"
    assert h["x-bytes"] == "raw"
    assert h["x-float"] == "1.5"
    assert all(isinstance(v, str) for v in h.values())


def test_headers_set_replaces_in_place() -> None:
    h = Headers([("A", "1"), ("X", "1"), ("B", "2"), ("x", "2")])
    h.set("X", "new")
    assert h.items() == [("A", "1"), ("X", "new"), ("B", "2")]
    h["b"] = "3"
    assert h.items() == [("A", "1"), ("X", "new"), ("b", "3")]
    h.set("C", "4", q="1")
    assert h["c"] == "4; q=1"


def test_headers_setlist_and_defaults() -> None:
    h = Headers([("A", "1"), ("X", "1"), ("B", "2"), ("X", "2")])
    h.setlist("x", ["a", "b"])
    assert h.items() == [("A", "1"), ("x", "a"), ("x", "b"), ("B", "2")]
    h.setlist("x", [])
    assert "x" not in h
    assert h.setdefault("A", "z") == "1"
    assert h.setdefault("N", 5) == "5"
    assert h["n"] == "5"
    assert h.setlistdefault("A", ["z"]) == ["1"]
    result = h.setlistdefault("M", ["1", "2"])
    assert result == ["1", "2"]
    result.append("3")
    assert h.getlist("M") == ["1", "2"]


def test_headers_extend_adds() -> None:
    h = Headers([("X", "1")])
    h.extend({"X": "2", "Y": ["3", "4"]})
    h.extend([("Z", "5")], W="6")
    h.extend(Headers([("X", "7")]))
    assert h.getlist("X") == ["1", "2", "7"]
    assert h.getlist("Y") == ["3", "4"]
    assert h["Z"] == "5"
    assert h["W"] == "6"


def test_headers_update_replaces_per_name() -> None:
    h = Headers([("X", "1"), ("Keep", "k"), ("Y", "old")])
    h.update({"x": "2", "Y": ["3", "4"]})
    assert h.items() == [("x", "2"), ("Keep", "k"), ("Y", "3"), ("Y", "4")]
    h.update([("Z", "1"), ("Z", "2")])
    assert h.getlist("z") == ["1", "2"]
    h.update(Headers([("Keep", "new")]), Extra="e")
    assert h["keep"] == "new"
    assert h["extra"] == "e"
    h.update(MultiDict([("Y", "5"), ("Y", "6")]))
    assert h.getlist("y") == ["5", "6"]
    h.update({"Y": []})
    assert "y" not in h
    h.update()
    assert h["keep"] == "new"


def test_headers_remove_delitem_pop_popitem_clear() -> None:
    h = Headers([("A", "1"), ("X", "1"), ("x", "2"), ("B", "2")])
    h.remove("X")
    assert h.items() == [("A", "1"), ("B", "2")]
    h.remove("missing")
    del h["a"]
    del h["missing"]
    assert h.items() == [("B", "2")]
    h = Headers([("A", "1"), ("X", "1"), ("x", "2"), ("B", "2")])
    assert h.pop("x") == "1"
    assert "x" not in h
    assert h.pop("missing", None) is None
    with pytest.raises(KeyError):
        h.pop("missing")
    assert h.pop(0) == ("A", "1")
    assert h.pop() == ("B", "2")
    h.add("C", "3")
    assert h.popitem() == ("C", "3")
    with pytest.raises(IndexError):
        h.popitem()
    h.add("D", "4")
    wsgi_list = h.to_wsgi_list()
    h.clear()
    assert len(h) == 0
    assert wsgi_list == []


def test_headers_views_iteration_and_wsgi_list() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1")])
    assert list(h) == [("Content-Type", "text/plain"), ("X-A", "1")]
    assert h.keys() == ["Content-Type", "X-A"]
    assert h.keys(lower=True) == ["content-type", "x-a"]
    assert h.values() == ["text/plain", "1"]
    assert h.items(lower=True) == [("content-type", "text/plain"), ("x-a", "1")]
    assert len(h) == 2
    wsgi = h.to_wsgi_list()
    assert wsgi is h.to_wsgi_list()
    h.add("X-B", "2")
    h.set("X-A", "3")
    h.update({"X-B": ["4", "5"]})
    h.remove("Content-Type")
    assert wsgi is h.to_wsgi_list()
    assert wsgi == [("X-A", "3"), ("X-B", "4"), ("X-B", "5")]
    wsgi.append(("X-C", "6"))
    assert h["x-c"] == "6"


def test_headers_str_eq_repr_copy_pickle() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1")])
    assert str(h) == "Content-Type: text/plain\r\nX-A: 1\r\n\r\n"
    assert str(Headers()) == "\r\n"
    assert repr(h) == "Headers([('Content-Type', 'text/plain'), ('X-A', '1')])"
    assert h == Headers([("x-a", "1"), ("content-type", "text/plain")])
    assert h != Headers([("Content-Type", "text/plain")])
    assert Headers([("X", "1"), ("X", "2")]) != Headers([("X", "2"), ("X", "1")])
    assert h != [("Content-Type", "text/plain"), ("X-A", "1")]
    copied = h.copy()
    assert copied == h
    copied.add("Y", "1")
    assert "Y" not in h
    assert copy.copy(h) == h
    assert copy.deepcopy(h) == h
    assert pickle.loads(pickle.dumps(h)) == h
    with pytest.raises(TypeError):
        hash(h)


def test_headers_or_operators() -> None:
    h = Headers([("X", "1"), ("Y", "1")])
    merged = h | {"X": "2"}
    assert merged["x"] == "2"
    assert h["x"] == "1"
    h |= [("Y", "3")]
    assert h["y"] == "3"
    assert h.__or__(5) is NotImplemented
    assert h.__ior__(5) is NotImplemented


BAD_VALUES = ["a\rb", "a\nb", "a\x00b", "\r\n", "x\r\nSet-Cookie: evil=1"]
BAD_NAMES = ["", "X\rY", "X\nY", "X\x00Y", "X:Y", "X Y", "X\tY", "Set-Cookie:", "\x7f"]


def header_entry_points() -> list[tuple[str, t.Callable[[Headers, str, str], None]]]:
    def call_set(h: Headers, k: str, v: str) -> None:
        h.set(k, v)

    def call_setitem(h: Headers, k: str, v: str) -> None:
        h[k] = v

    def call_setitem_index(h: Headers, k: str, v: str) -> None:
        h[0] = (k, v)

    def call_setitem_slice(h: Headers, k: str, v: str) -> None:
        h[0:] = [(k, v)]

    return [
        ("constructor", lambda h, k, v: Headers([(k, v)]) and None),
        ("constructor-dict", lambda h, k, v: Headers({k: [v]}) and None),
        ("add", lambda h, k, v: h.add(k, v)),
        ("add_header", lambda h, k, v: h.add_header(k, v)),
        ("add-param", lambda h, k, v: h.add(k, "x", p=v)),
        ("set", call_set),
        ("setitem", call_setitem),
        ("setitem-index", call_setitem_index),
        ("setitem-slice", call_setitem_slice),
        ("setlist", lambda h, k, v: h.setlist(k, ["ok", v])),
        ("setdefault", lambda h, k, v: h.setdefault(k, v) and None),
        ("setlistdefault", lambda h, k, v: h.setlistdefault(k, [v]) and None),
        ("extend", lambda h, k, v: h.extend([(k, v)])),
        ("extend-kwargs", lambda h, k, v: h.extend(**{k: v})),
        ("update", lambda h, k, v: h.update([(k, v)])),
        ("update-dict", lambda h, k, v: h.update({k: v})),
    ]


@pytest.mark.parametrize(("entry", "call"), header_entry_points())
@pytest.mark.parametrize("value", BAD_VALUES)
def test_headers_refuse_bad_values_everywhere(
    entry: str, call: t.Callable[[Headers, str, str], None], value: str
) -> None:
    h = Headers([("Existing", "1")])
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        call(h, "X-Test", value)
    assert h.items() == [("Existing", "1")]


@pytest.mark.parametrize(
    ("entry", "call"), [case for case in header_entry_points() if case[0] != "add-param"]
)
@pytest.mark.parametrize("name", BAD_NAMES)
def test_headers_refuse_bad_names_everywhere(
    entry: str, call: t.Callable[[Headers, str, str], None], name: str
) -> None:
    h = Headers([("Existing", "1")])
    with pytest.raises(ValueError, match="Invalid header name"):
        call(h, name, "ok")
    assert h.items() == [("Existing", "1")]


def test_headers_refuse_bad_bytes_value() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        Headers().add("X", b"a\r\nb")


@given(st.text())
def test_headers_value_check_property(value: str) -> None:
    h = Headers()
    if "\r" in value or "\n" in value or "\x00" in value:
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            h.add("X-Prop", value)
        assert len(h) == 0
    elif any(char > "\xff" for char in value):
        # Past Latin-1: no server can send it (issue 14).
        with pytest.raises(ValueError, match="Latin-1"):
            h.add("X-Prop", value)
        assert len(h) == 0
    else:
        h.add("X-Prop", value)
        h["X-Other"] = value
        assert h["x-prop"] == value
        assert h["x-other"] == value


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_headers_accept_printable_ascii_names_without_colon(name: str) -> None:
    h = Headers()
    if ":" in name:
        with pytest.raises(ValueError, match="Invalid header name"):
            h.add(name, "v")
    else:
        h.add(name, "v")
        assert h[name.swapcase()] == "v"


# -- EnvironHeaders ------------------------------------------------------


ENVIRON: dict[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "CONTENT_TYPE": "text/plain; charset=utf-8",
    "CONTENT_LENGTH": "12",
    "HTTP_HOST": "example.com",
    "HTTP_X_FORWARDED_FOR": "1.2.3.4",
    "HTTP_CONTENT_TYPE": "ignored/dup",
    "HTTP_CONTENT_LENGTH": "99",
    "wsgi.input": io.BytesIO(),
}


def test_environ_headers_lookup() -> None:
    h = EnvironHeaders(ENVIRON)
    assert h["Content-Type"] == "text/plain; charset=utf-8"
    assert h["content-length"] == "12"
    assert h["X-Forwarded-For"] == "1.2.3.4"
    assert h.get("host") == "example.com"
    assert h.get("content-length", type=int) == 12
    assert h.get("host", type=int) is None
    assert h.get("missing", "d") == "d"
    assert h.getlist("host") == ["example.com"]
    assert h.getlist("content-length", type=int) == [12]
    assert h.getlist("missing") == []
    assert "HOST" in h
    assert "missing" not in h
    assert 3 not in h
    with pytest.raises(BadRequestKeyError):
        h["missing"]
    with pytest.raises(KeyError):
        h[1.5]  # type: ignore[call-overload]


def test_environ_headers_iteration_and_len() -> None:
    h = EnvironHeaders(ENVIRON)
    assert list(h) == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "12"),
        ("Host", "example.com"),
        ("X-Forwarded-For", "1.2.3.4"),
    ]
    assert len(h) == 4
    assert h.keys(lower=True) == ["content-type", "content-length", "host", "x-forwarded-for"]
    assert h[0] == ("Content-Type", "text/plain; charset=utf-8")
    assert isinstance(h[1:3], Headers)
    assert h.to_wsgi_list() == list(h)


def test_environ_headers_empty_content_headers_are_missing() -> None:
    h = EnvironHeaders({"CONTENT_TYPE": "", "CONTENT_LENGTH": "", "HTTP_X_EMPTY": ""})
    assert "Content-Type" not in h
    assert h.get("content-length") is None
    assert h["X-Empty"] == ""
    assert list(h) == [("X-Empty", "")]


def test_environ_headers_reads_live_environ() -> None:
    environ: dict[str, t.Any] = {}
    h = EnvironHeaders(environ)
    environ["HTTP_X_LATE"] = "1"
    assert h["x-late"] == "1"


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("add", ("X", "1")),
        ("add_header", ("X", "1")),
        ("set", ("X", "1")),
        ("setlist", ("X", ["1"])),
        ("setdefault", ("X", "1")),
        ("setlistdefault", ("X", ["1"])),
        ("extend", ([("X", "1")],)),
        ("update", ({"X": "1"},)),
        ("remove", ("Host",)),
        ("pop", ("Host",)),
        ("popitem", ()),
        ("clear", ()),
        ("__setitem__", ("X", "1")),
        ("__delitem__", ("Host",)),
        ("__ior__", ({"X": "1"},)),
    ],
)
def test_environ_headers_refuse_changes(method: str, args: tuple[t.Any, ...]) -> None:
    environ = dict(ENVIRON)
    h = EnvironHeaders(environ)
    with pytest.raises(TypeError, match="read-only"):
        getattr(h, method)(*args)
    assert environ == ENVIRON


def test_environ_headers_copy_eq_repr() -> None:
    h = EnvironHeaders(ENVIRON)
    copied = h.copy()
    assert type(copied) is Headers
    copied.add("X-New", "1")
    assert "X-New" not in h
    assert Headers(h) == h
    assert h == Headers(h)
    assert repr(h).startswith("EnvironHeaders([('Content-Type'")
    merged = h | {"Host": "other"}
    assert type(merged) is Headers
    assert merged["host"] == "other"


def test_environ_headers_are_validated_when_copied() -> None:
    h = EnvironHeaders({"HTTP_X_BAD": "a\r\nb"})
    assert h["x-bad"] == "a\r\nb"
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        Headers(h)


# -- FileStorage ---------------------------------------------------------


def test_file_storage_defaults() -> None:
    fs = FileStorage()
    assert isinstance(fs.stream, io.BytesIO)
    assert fs.filename is None
    assert fs.name is None
    assert not fs
    assert fs.content_type is None
    assert fs.content_length == 0
    assert fs.mimetype == ""
    assert fs.mimetype_params == {}
    assert isinstance(fs.headers, Headers)


def test_file_storage_fields_and_headers() -> None:
    fs = FileStorage(
        io.BytesIO(b"hello"),
        filename="a.txt",
        name="upload",
        content_type="Text/Plain; Charset=UTF-8",
        content_length=5,
    )
    assert fs
    assert fs.filename == "a.txt"
    assert fs.name == "upload"
    assert fs.headers["Content-Type"] == "Text/Plain; Charset=UTF-8"
    assert fs.headers["Content-Length"] == "5"
    assert fs.content_type == "Text/Plain; Charset=UTF-8"
    assert fs.content_length == 5
    assert fs.mimetype == "text/plain"
    assert fs.mimetype_params == {"charset": "UTF-8"}
    assert repr(fs) == "<FileStorage: 'a.txt' ('Text/Plain; Charset=UTF-8')>"


def test_file_storage_headers_argument() -> None:
    fs = FileStorage(headers=Headers([("Content-Type", "image/png"), ("Content-Length", "x")]))
    assert fs.mimetype == "image/png"
    assert fs.content_length == 0
    from_list = FileStorage(headers=[("Content-Length", "-3")])
    assert isinstance(from_list.headers, Headers)
    assert from_list.content_length == 0


def test_file_storage_filename_from_stream_name(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x")
    with open(path, "rb") as f:
        assert FileStorage(f).filename == str(path)
        assert FileStorage(f, filename="given").filename == "given"
    named = io.BytesIO()
    named.name = "<stdin>"
    assert FileStorage(named).filename is None
    raw = io.BytesIO()
    raw.name = b"bytes.txt"
    assert FileStorage(raw).filename == "bytes.txt"
    numbered = io.BytesIO()
    numbered.name = 3
    assert FileStorage(numbered).filename is None


def test_file_storage_forwards_stream_attributes() -> None:
    fs = FileStorage(io.BytesIO(b"line1\nline2\n"), filename="f")
    assert fs.read(5) == b"line1"
    assert fs.tell() == 5
    fs.seek(0)
    assert list(fs) == [b"line1\n", b"line2\n"]
    with pytest.raises(AttributeError):
        fs.no_such_attribute  # noqa: B018


def test_file_storage_unset_slot_does_not_recurse() -> None:
    fs = FileStorage.__new__(FileStorage)
    with pytest.raises(AttributeError):
        fs.read  # noqa: B018


def test_file_storage_save_to_path_and_file(tmp_path: Path) -> None:
    fs = FileStorage(io.BytesIO(b"payload" * 1000), filename="p.bin")
    target = tmp_path / "out.bin"
    fs.save(target)
    assert target.read_bytes() == b"payload" * 1000
    fs.seek(0)
    fs.save(str(tmp_path / "out2.bin"), buffer_size=7)
    assert (tmp_path / "out2.bin").read_bytes() == b"payload" * 1000
    fs.seek(0)
    buffer = io.BytesIO()
    fs.save(buffer)
    assert not buffer.closed
    assert buffer.getvalue() == b"payload" * 1000


def test_file_storage_close() -> None:
    stream = io.BytesIO(b"x")
    fs = FileStorage(stream)
    fs.close()
    assert stream.closed
    fs.close()


def test_file_storage_close_ignores_broken_stream() -> None:
    class Broken(io.BytesIO):
        def close(self) -> None:
            raise OSError("already gone")

    FileStorage(Broken()).close()


def test_file_storage_uses_slots() -> None:
    fs = FileStorage()
    with pytest.raises(AttributeError):
        fs.custom_attribute = 1  # type: ignore[attr-defined]


# -- CallbackDict --------------------------------------------------------


def test_callback_dict_calls_on_every_change() -> None:
    calls: list[dict[str, int]] = []
    d: CallbackDict[str, int] = CallbackDict({"a": 1}, lambda cd: calls.append(dict(cd)))
    assert d == {"a": 1}
    d["b"] = 2
    del d["a"]
    d.update(c=3)
    d |= {"e": 5}
    assert d.setdefault("b", 9) == 2
    assert d.setdefault("d", 4) == 4
    assert d.pop("d") == 4
    assert d.pop("missing", None) is None
    with pytest.raises(KeyError):
        d.pop("missing")
    assert d.popitem() == ("e", 5)
    d.clear()
    assert calls == [
        {"a": 1, "b": 2},
        {"b": 2},
        {"b": 2, "c": 3},
        {"b": 2, "c": 3, "e": 5},
        {"b": 2, "c": 3, "e": 5, "d": 4},
        {"b": 2, "c": 3, "e": 5},
        {"b": 2, "c": 3},
        {},
    ]


def test_callback_dict_without_callback() -> None:
    d: CallbackDict[str, int] = CallbackDict()
    d["a"] = 1
    assert d == {"a": 1}
    assert d.on_update is None
    assert repr(d) == "<CallbackDict {'a': 1}>"


# -- HeaderSet -----------------------------------------------------------


def test_header_set_basics() -> None:
    calls: list[str] = []
    hs = HeaderSet(["Accept", "accept", "Cookie"], on_update=lambda s: calls.append(s.to_header()))
    assert list(hs) == ["Accept", "Cookie"]
    assert len(hs) == 2
    assert hs
    assert "ACCEPT" in hs
    assert 1 not in hs
    hs.add("cookie")
    assert calls == []
    hs.add("Origin")
    assert calls == ["Accept, Cookie, Origin"]
    assert hs.find("origin") == 2
    assert hs.find("nope") == -1
    assert hs.index("COOKIE") == 1
    with pytest.raises(IndexError):
        hs.index("nope")
    assert hs[0] == "Accept"
    hs.remove("ACCEPT")
    with pytest.raises(KeyError):
        hs.remove("accept")
    hs.discard("accept")
    hs.discard("cookie")
    assert list(hs) == ["Origin"]
    hs.update(["a", "A", "b"])
    assert list(hs) == ["Origin", "a", "b"]
    hs.update(["b"])
    del hs[0]
    assert list(hs) == ["a", "b"]
    hs.clear()
    assert not hs
    assert calls == [
        "Accept, Cookie, Origin",
        "Cookie, Origin",
        "Origin",
        "Origin, a, b",
        "a, b",
        "",
    ]


def test_header_set_output_and_sets() -> None:
    hs = HeaderSet(["Accept-Encoding", "Two Words"])
    assert hs.to_header() == 'Accept-Encoding, "Two Words"'
    assert str(hs) == hs.to_header()
    assert hs.as_set() == {"accept-encoding", "two words"}
    assert hs.as_set(preserve_casing=True) == {"Accept-Encoding", "Two Words"}
    assert repr(hs) == "HeaderSet(['Accept-Encoding', 'Two Words'])"
    assert hs == HeaderSet(["two words", "ACCEPT-ENCODING"])
    assert hs != HeaderSet(["x"])
    assert hs.__eq__(["x"]) is NotImplemented
    assert HeaderSet().to_header() == ""


@pytest.mark.parametrize(
    "obj",
    [
        MultiDict(),
        ImmutableMultiDict(),
        CombinedMultiDict(),
        Headers(),
        EnvironHeaders({}),
        FileStorage(),
        HeaderSet(),
        CallbackDict(),
    ],
    ids=lambda obj: type(obj).__name__,
)
def test_per_request_objects_use_slots(obj: object) -> None:
    assert not hasattr(obj, "__dict__")


# -- TypeConversionDict, FileMultiDict -----------------------------------------


def test_type_conversion_dict_get() -> None:
    d = ds.TypeConversionDict({"page": "3", "size": "big", "none": None})
    assert d.get("page") == "3"
    assert d.get("page", type=int) == 3
    assert d.get("size", 10, type=int) == 10  # int rejects it: the default
    assert d.get("none", -1, type=int) == -1  # TypeError counts too
    assert d.get("missing") is None
    assert d.get("missing", "x", type=int) == "x"
    d["page"] = "4"
    assert d.get("page", type=int) == 4
    assert isinstance(d, dict)


def test_immutable_type_conversion_dict() -> None:
    d = ds.ImmutableTypeConversionDict({"a": "1"})
    assert d.get("a", type=int) == 1
    assert isinstance(d, ds.TypeConversionDict)
    assert isinstance(d, ds.ImmutableDict)
    with pytest.raises(TypeError, match="immutable"):
        d["b"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError, match="immutable"):
        d.pop("a")
    assert hash(d) == hash(ds.ImmutableTypeConversionDict({"a": "1"}))
    mutable = d.copy()
    assert type(mutable) is ds.TypeConversionDict
    mutable["b"] = "2"
    assert dict(d) == {"a": "1"}
    assert pickle.loads(pickle.dumps(d)) == d


def test_file_multi_dict_add_file(tmp_path: Path) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF")
    files = ds.FileMultiDict()
    files.add_file("doc", report)
    files.add_file("doc", io.BytesIO(b"a,b"), "data.csv")
    files.add_file("blob", io.BytesIO(b"\x00"), "blob.kolbenunknown")
    files.add_file("raw", io.BytesIO(b"x"))
    given_storage = ds.FileStorage(io.BytesIO(b"y"), "y.txt", "other")
    files.add_file("kept", given_storage)

    first, second = files.getlist("doc")
    assert first.filename == str(report)
    assert first.content_type == "application/pdf"
    assert first.name == "doc"
    assert first.read() == b"%PDF"
    first.close()
    assert second.filename == "data.csv"
    assert second.content_type == "text/csv"
    assert files["blob"].content_type == "application/octet-stream"
    assert files["raw"].filename is None
    assert files["raw"].content_type is None
    assert files["kept"] is given_storage
    assert isinstance(files, ds.MultiDict)
