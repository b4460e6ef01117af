"""EnvironBuilder on its own: arguments in, PEP 3333 environ out."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import typing as t
from base64 import b64decode
from email.message import EmailMessage
from pathlib import Path

import pytest

from kolben import Kolben
from kolben.datastructures import FileStorage, Headers, MultiDict
from kolben.testing import EnvironBuilder, KolbenEnvironBuilder, create_environ
from kolben.wrappers import Request
from kolben.wrappers.builder import EnvironBuilder as BaseEnvironBuilder
from kolben.wrappers.builder import encode_multipart, stream_encode_multipart


def body_of(environ: dict[str, t.Any]) -> bytes:
    stream = environ["wsgi.input"]
    data: bytes = stream.read()
    assert len(data) == int(environ.get("CONTENT_LENGTH", 0))
    return data


def parse_multipart(content_type: str, body: bytes) -> list[EmailMessage]:
    """Read a multipart/form-data body back with the stdlib email parser."""
    raw = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert message.is_multipart()
    assert not message.defects
    parts = list(message.iter_parts())
    assert all(isinstance(part, EmailMessage) for part in parts)
    return t.cast(list[EmailMessage], parts)


def part_name(part: EmailMessage) -> str | None:
    value = part.get_param("name", header="content-disposition")
    return None if value is None else str(value)


# -- defaults ---------------------------------------------------------------------------


def test_default_environ_is_complete() -> None:
    environ = create_environ()
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/"
    assert environ["QUERY_STRING"] == ""
    assert environ["SERVER_NAME"] == "localhost"
    assert environ["SERVER_PORT"] == "80"
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["HTTP_USER_AGENT"].startswith("Kolben/")
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.input"].read() == b""
    assert environ["wsgi.errors"] is not None
    assert environ["wsgi.multithread"] is False
    assert environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False
    assert "CONTENT_TYPE" not in environ
    assert "CONTENT_LENGTH" not in environ


def test_wsgi_flags_and_streams() -> None:
    errors = io.StringIO()
    environ = create_environ(
        multithread=True, multiprocess=True, run_once=True, errors_stream=errors, method="patch"
    )
    assert environ["wsgi.multithread"] is True
    assert environ["wsgi.multiprocess"] is True
    assert environ["wsgi.run_once"] is True
    assert environ["wsgi.errors"] is errors
    assert environ["REQUEST_METHOD"] == "PATCH"


def test_each_call_builds_a_new_environ() -> None:
    builder = EnvironBuilder(data={"a": "1"})
    first, second = builder.get_environ(), builder.get_environ()
    assert first is not second
    assert body_of(first) == body_of(second) == b"a=1"


# -- paths and URLs ---------------------------------------------------------------------


def test_path_with_query_string() -> None:
    environ = create_environ("/search?q=kolben&page=2")
    assert environ["PATH_INFO"] == "/search"
    assert environ["QUERY_STRING"] == "q=kolben&page=2"


def test_query_in_path_and_argument_is_an_error() -> None:
    with pytest.raises(ValueError, match="query string"):
        EnvironBuilder("/a?b=1", query_string="c=2")


def test_fragment_is_dropped() -> None:
    environ = create_environ("/page?x=1#top")
    assert environ["PATH_INFO"] == "/page"
    assert environ["QUERY_STRING"] == "x=1"


def test_full_url_path_sets_scheme_host_and_port() -> None:
    environ = create_environ("https://example.com:8443/a/b?x=1")
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["HTTP_HOST"] == "example.com:8443"
    assert environ["SERVER_NAME"] == "example.com"
    assert environ["SERVER_PORT"] == "8443"
    assert environ["PATH_INFO"] == "/a/b"
    assert environ["QUERY_STRING"] == "x=1"


def test_full_url_path_keeps_base_url_script_root() -> None:
    builder = EnvironBuilder("http://other.test/x", base_url="https://localhost/app")
    environ = builder.get_environ()
    assert environ["HTTP_HOST"] == "other.test"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["PATH_INFO"] == "/x"


def test_base_url_sets_scheme_host_and_script_root() -> None:
    builder = EnvironBuilder("/users", base_url="https://api.example.org/v1/")
    assert builder.base_url == "https://api.example.org/v1/"
    assert builder.script_root == "/v1"
    environ = builder.get_environ()
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SERVER_PORT"] == "443"
    assert environ["SCRIPT_NAME"] == "/v1"
    assert environ["PATH_INFO"] == "/users"
    assert environ["REQUEST_URI"] == "/v1/users"


def test_base_url_setter_and_validation() -> None:
    builder = EnvironBuilder()
    assert builder.base_url == "http://localhost/"
    builder.base_url = "http://h:81/root"
    assert (builder.url_scheme, builder.host, builder.script_root) == ("http", "h:81", "/root")
    assert builder.server_port == 81
    builder.base_url = None
    assert builder.base_url == "http://localhost/"
    with pytest.raises(ValueError, match="query string"):
        builder.base_url = "http://localhost/?a=1"
    with pytest.raises(ValueError, match="absolute URL"):
        builder.base_url = "/relative"


def test_ipv6_host() -> None:
    environ = create_environ("http://[::1]:5000/")
    assert environ["SERVER_NAME"] == "[::1]"
    assert environ["SERVER_PORT"] == "5000"
    assert environ["HTTP_HOST"] == "[::1]:5000"


def test_non_ascii_path_is_pep3333_latin1() -> None:
    environ = create_environ("/caf\u00e9/\u2603")
    raw = "/café/☃".encode()
    assert environ["PATH_INFO"] == raw.decode("latin-1")
    assert environ["PATH_INFO"].encode("latin-1").decode("utf-8") == "/café/☃"
    assert environ["REQUEST_URI"] == "/caf%C3%A9/%E2%98%83"


def test_percent_escapes_become_raw_bytes() -> None:
    environ = create_environ("/a%20b/%C3%A9/%FF/a%2Fb")
    assert environ["PATH_INFO"] == "/a b/\u00c3\u00a9/\u00ff/a/b"


def test_non_ascii_script_root() -> None:
    environ = create_environ("/x", base_url="http://localhost/m\u00fcnchen")
    assert environ["SCRIPT_NAME"] == "/münchen".encode().decode("latin-1")


def test_non_ascii_query_string() -> None:
    environ = create_environ(query_string="q=\u00e9")
    assert environ["QUERY_STRING"] == "q=é".encode().decode("latin-1")


# -- query arguments -----------------------------------------------------------------


def test_query_string_from_dict_with_lists() -> None:
    environ = create_environ(query_string={"a": ["1", "2"], "b": "x y", "c": "é"})
    assert environ["QUERY_STRING"] == "a=1&a=2&b=x+y&c=%C3%A9"


def test_query_string_from_multidict() -> None:
    args = MultiDict([("k", "1"), ("k", "2"), ("z", "3")])
    environ = create_environ(query_string=args)
    request = Request(environ)
    assert request.args.getlist("k") == ["1", "2"]
    assert request.args["z"] == "3"


def test_args_and_query_string_properties() -> None:
    builder = EnvironBuilder()
    assert builder.query_string == ""
    builder.args["a"] = "1"
    builder.args.add("a", "2")
    assert builder.query_string == "a=1&a=2"
    builder.query_string = "raw=yes"
    assert builder.get_environ()["QUERY_STRING"] == "raw=yes"
    with pytest.raises(AttributeError):
        _ = builder.args
    builder.args = MultiDict({"b": "2"})
    assert builder.query_string == "b=2"


# -- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Token": "abc", "Accept": "text/html"},
        [("X-Token", "abc"), ("Accept", "text/html")],
        Headers([("X-Token", "abc"), ("Accept", "text/html")]),
    ],
)
def test_headers_become_http_keys(headers: t.Any) -> None:
    environ = create_environ(headers=headers)
    assert environ["HTTP_X_TOKEN"] == "abc"
    assert environ["HTTP_ACCEPT"] == "text/html"


def test_repeated_headers_are_joined() -> None:
    environ = create_environ(
        headers=[("X-A", "1"), ("X-A", "2"), ("Cookie", "a=1"), ("Cookie", "b=2")]
    )
    assert environ["HTTP_X_A"] == "1, 2"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"


def test_host_header_and_user_agent_header_win() -> None:
    environ = create_environ(headers={"User-Agent": "curl/8"})
    assert environ["HTTP_USER_AGENT"] == "curl/8"


def test_content_headers_are_not_duplicated_as_http_keys() -> None:
    environ = create_environ(
        data=b"x", headers={"Content-Type": "text/plain", "Content-Length": "99"}
    )
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "1"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert "HTTP_CONTENT_LENGTH" not in environ


# -- content type and length ------------------------------------------------------------


def test_content_type_mimetype_and_length_properties() -> None:
    builder = EnvironBuilder(content_type="text/plain; charset=latin-1", content_length=5)
    assert builder.content_type == "text/plain; charset=latin-1"
    assert builder.mimetype == "text/plain"
    assert builder.mimetype_params == {"charset": "latin-1"}
    assert builder.content_length == 5
    builder.mimetype = "text/csv"
    assert builder.content_type == "text/csv; charset=utf-8"
    builder.mimetype = "application/json"
    assert builder.content_type == "application/json"
    builder.content_type = None
    builder.content_length = None
    assert builder.content_type is None
    assert builder.mimetype is None
    assert builder.content_length is None
    assert builder.mimetype_params == {}


def test_mimetype_argument() -> None:
    environ = create_environ(data="a,b", mimetype="text/csv")
    assert environ["CONTENT_TYPE"] == "text/csv; charset=utf-8"


def test_content_type_implied_by_form_and_files() -> None:
    builder = EnvironBuilder(data={"a": "1"})
    assert builder.content_type == "application/x-www-form-urlencoded"
    builder.files.add_file("f", io.BytesIO(b"x"), "x.txt")
    assert builder.content_type == "multipart/form-data"


# -- raw bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"raw \x00 bytes", "raw \x00 bytes", io.BytesIO(b"raw \x00 bytes")]
)
def test_raw_data(data: t.Any) -> None:
    environ = create_environ(method="POST", data=data, content_type="application/octet-stream")
    assert body_of(environ) == b"raw \x00 bytes"
    assert environ["CONTENT_LENGTH"] == "11"
    assert environ["CONTENT_TYPE"] == "application/octet-stream"


def test_text_data_is_utf8() -> None:
    environ = create_environ(data="é", content_type="text/plain")
    assert body_of(environ) == b"\xc3\xa9"


def test_input_stream() -> None:
    stream = io.BytesIO(b"XXhello")
    stream.read(2)
    builder = EnvironBuilder(method="PUT", input_stream=stream)
    environ = builder.get_environ()
    assert environ["CONTENT_LENGTH"] == "5"
    assert environ["wsgi.input"].read() == b"hello"
    with pytest.raises(AttributeError):
        _ = builder.form
    with pytest.raises(AttributeError):
        _ = builder.files


def test_input_stream_and_data_conflict() -> None:
    with pytest.raises(TypeError, match="input_stream"):
        EnvironBuilder(input_stream=io.BytesIO(b"a"), data=b"b")


def test_unseekable_input_stream_uses_given_length() -> None:
    class Unseekable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def tell(self) -> int:
            raise OSError("not seekable")

    environ = create_environ(input_stream=t.cast(t.IO[bytes], Unseekable()), content_length=7)
    assert environ["CONTENT_LENGTH"] == "7"


# -- urlencoded forms ---------------------------------------------------------------------


def test_urlencoded_form() -> None:
    environ = create_environ(method="POST", data={"name": "Zoë & co", "n": 3, "tag": ["a", "b"]})
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert body_of(environ) == b"name=Zo%C3%AB+%26+co&n=3&tag=a&tag=b"


def test_urlencoded_form_from_multidict_reads_back() -> None:
    form = MultiDict([("k", "1"), ("k", "2")])
    request = Request(create_environ(method="POST", data=form))
    assert request.form.getlist("k") == ["1", "2"]


def test_form_property_can_be_filled() -> None:
    builder = EnvironBuilder(method="POST")
    builder.form["a"] = "1"
    assert body_of(builder.get_environ()) == b"a=1"


def test_empty_data_sends_nothing() -> None:
    environ = create_environ(method="POST", data={})
    assert "CONTENT_TYPE" not in environ
    assert environ["wsgi.input"].read() == b""


# -- multipart --------------------------------------------------------------------------


def test_multipart_with_every_file_spelling(tmp_path: Path) -> None:
    on_disk = tmp_path / "notes.txt"
    on_disk.write_bytes(b"from disk")
    opened = on_disk.open("rb")
    builder = EnvironBuilder(
        method="POST",
        data={
            "title": "Ünïcode",
            "plain": io.BytesIO(b"no name"),
            "named": (io.BytesIO(b"\x89PNG"), "pic.png"),
            "typed": (io.BytesIO(b"{}"), "data.bin", "application/json"),
            "storage": FileStorage(io.BytesIO(b"fs"), filename="fs.csv", content_type="text/csv"),
            "disk": opened,
            "many": [(io.BytesIO(b"1"), "one.txt"), (io.BytesIO(b"2"), "two.txt")],
            "as_dict": {"file": io.BytesIO(b"d"), "filename": "d.txt"},
            "raw_bytes": (b"in memory", "mem.txt"),
        },
    )
    environ = builder.get_environ()
    content_type = environ["CONTENT_TYPE"]
    assert content_type.startswith("multipart/form-data; boundary=")
    parts = parse_multipart(content_type, body_of(environ))
    by_name: dict[str, list[EmailMessage]] = {}
    for part in parts:
        by_name.setdefault(str(part_name(part)), []).append(part)

    assert by_name["title"][0].get_payload(decode=True) == "Ünïcode".encode()
    assert by_name["title"][0].get_filename() is None
    plain = by_name["plain"][0]
    assert plain.get_filename() is None
    assert plain.get_payload(decode=True) == b"no name"
    named = by_name["named"][0]
    assert named.get_filename() == "pic.png"
    assert named.get_content_type() == "image/png"
    assert named.get_payload(decode=True) == b"\x89PNG"
    typed = by_name["typed"][0]
    assert (typed.get_filename(), typed.get_content_type()) == ("data.bin", "application/json")
    storage = by_name["storage"][0]
    assert (storage.get_filename(), storage.get_content_type()) == ("fs.csv", "text/csv")
    disk = by_name["disk"][0]
    assert disk.get_filename() == "notes.txt"
    assert disk.get_payload(decode=True) == b"from disk"
    assert [p.get_filename() for p in by_name["many"]] == ["one.txt", "two.txt"]
    assert [p.get_payload(decode=True) for p in by_name["many"]] == [b"1", b"2"]
    assert by_name["as_dict"][0].get_filename() == "d.txt"
    assert by_name["raw_bytes"][0].get_payload(decode=True) == b"in memory"

    builder.close()
    assert builder.closed
    assert opened.closed


def test_multipart_files_by_path_are_opened_and_closed(tmp_path: Path) -> None:
    on_disk = tmp_path / "report.pdf"
    on_disk.write_bytes(b"%PDF")
    builder = EnvironBuilder(method="POST", data={"doc": (str(on_disk), "renamed.pdf")})
    upload = builder.files["doc"]
    assert upload.filename == "renamed.pdf"
    assert upload.content_type == "application/pdf"
    environ = builder.get_environ()
    parts = parse_multipart(environ["CONTENT_TYPE"], body_of(environ))
    assert parts[0].get_payload(decode=True) == b"%PDF"
    builder.close()
    assert upload.stream.closed
    builder.close()  # closing twice is harmless


def test_multipart_can_be_built_twice() -> None:
    builder = EnvironBuilder(method="POST", data={"f": (io.BytesIO(b"abc"), "a.txt")})
    first = builder.get_environ()
    second = builder.get_environ()
    for environ in (first, second):
        parts = parse_multipart(environ["CONTENT_TYPE"], body_of(environ))
        assert parts[0].get_payload(decode=True) == b"abc"


def test_files_property() -> None:
    builder = EnvironBuilder(method="POST")
    builder.form["field"] = "v"
    builder.files.add_file("up", io.BytesIO(b"data"), "u.txt", "text/x-custom")
    environ = builder.get_environ()
    parts = parse_multipart(environ["CONTENT_TYPE"], body_of(environ))
    assert [part_name(p) for p in parts] == ["field", "up"]
    assert parts[1].get_content_type() == "text/x-custom"


def test_bad_upload_tuple() -> None:
    with pytest.raises(TypeError, match="4-tuple"):
        EnvironBuilder(data={"f": (io.BytesIO(), "a", "b", "c")})


def test_forced_multipart_without_files() -> None:
    environ = create_environ(method="POST", data={"a": "1"}, mimetype="multipart/form-data")
    parts = parse_multipart(environ["CONTENT_TYPE"], body_of(environ))
    assert part_name(parts[0]) == "a"
    assert parts[0].get_payload(decode=True) == b"1"


def test_encode_multipart_quotes_names_safely() -> None:
    evil_name = 'a"; filename="x\r\nX-Evil: 1'
    evil_file = 'we"ird\\name\r\n.txt'
    boundary, body = encode_multipart(
        MultiDict([(evil_name, "v"), ("f", FileStorage(io.BytesIO(b"z"), filename=evil_file))]),
        boundary="BOUNDARY",
    )
    assert boundary == "BOUNDARY"
    assert b"X-Evil: 1\r\n" not in body
    assert b"\r\nX-Evil" not in body
    assert body.count(b"Content-Disposition") == 2
    parts = parse_multipart(f"multipart/form-data; boundary={boundary}", body)
    assert len(parts) == 2
    assert part_name(parts[0]) == 'a"; filename="x%0D%0AX-Evil: 1'
    assert parts[0].get_filename() is None
    assert parts[1].get_filename() == 'we"ird\\name%0D%0A.txt'


def test_encode_multipart_layout() -> None:
    _, body = encode_multipart({"a": "1", "b": b"\xff"}, boundary="XyZ")
    assert body == (
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="b"\r\n\r\n\xff\r\n'
        b"--XyZ--\r\n"
    )


def test_stream_encode_multipart_spools() -> None:
    stream, length, boundary = stream_encode_multipart(
        {"big": (io.BytesIO(b"x" * 5000), "big.bin")}, threshold=1024
    )
    with stream:
        data = stream.read()
    assert len(data) == length
    assert boundary.encode() in data
    assert b"x" * 5000 in data


def test_random_boundaries_differ() -> None:
    assert encode_multipart({"a": "1"})[0] != encode_multipart({"a": "1"})[0]


def test_multipart_reads_back_through_request() -> None:
    pytest.importorskip("kolben.formparser")  # the multipart parser plugs into Request
    environ = create_environ(
        method="POST", data={"name": "kolben", "up": (io.BytesIO(b"bytes"), "u.bin")}
    )
    request = Request(environ)
    assert request.form["name"] == "kolben"
    assert request.files["up"].filename == "u.bin"
    assert request.files["up"].read() == b"bytes"


# -- json and auth --------------------------------------------------------------------


def test_json_body() -> None:
    environ = create_environ(method="POST", json={"a": [1, 2], "b": "é"})
    assert environ["CONTENT_TYPE"] == "application/json"
    assert json.loads(body_of(environ)) == {"a": [1, 2], "b": "é"}


def test_json_keeps_explicit_content_type() -> None:
    environ = create_environ(json=[1], content_type="application/vnd.api+json")
    assert environ["CONTENT_TYPE"] == "application/vnd.api+json"


def test_json_with_data_is_an_error() -> None:
    with pytest.raises(TypeError, match="json"):
        EnvironBuilder(json={}, data="x")


def test_json_dumps_can_be_overridden() -> None:
    class Compact(EnvironBuilder):
        json_dumps = staticmethod(lambda obj, **kw: "CUSTOM")

    assert body_of(Compact(json={"a": 1}).get_environ()) == b"CUSTOM"


def test_basic_auth_tuple() -> None:
    environ = create_environ(auth=("zoë", "s3cr:t"))
    scheme, _, token = environ["HTTP_AUTHORIZATION"].partition(" ")
    assert scheme == "Basic"
    assert b64decode(token).decode() == "zoë:s3cr:t"
    assert Request(environ).authorization is not None


def test_auth_object_with_to_header() -> None:
    class Bearer:
        def to_header(self) -> str:
            return "Bearer abc"

    assert create_environ(auth=Bearer())["HTTP_AUTHORIZATION"] == "Bearer abc"


def test_bad_auth() -> None:
    with pytest.raises(TypeError, match="auth"):
        EnvironBuilder(auth=("only-user",))
    with pytest.raises(TypeError, match="auth"):
        EnvironBuilder(auth=42)


# -- environ_base and environ_overrides -----------------------------------------------------


def test_environ_base_then_builder_then_overrides() -> None:
    environ = create_environ(
        "/real",
        headers={"X-H": "header"},
        environ_base={
            "REMOTE_ADDR": "10.0.0.1",
            "HTTP_USER_AGENT": "base-agent",
            "PATH_INFO": "/from-base",
            "HTTP_X_H": "base",
            "custom.key": "base",
        },
        environ_overrides={"SERVER_NAME": "overridden", "HTTP_X_H": "override"},
    )
    assert environ["REMOTE_ADDR"] == "10.0.0.1"
    assert environ["HTTP_USER_AGENT"] == "base-agent"
    assert environ["PATH_INFO"] == "/real"
    assert environ["custom.key"] == "base"
    assert environ["SERVER_NAME"] == "overridden"
    assert environ["HTTP_X_H"] == "override"


# -- requests and round trips ---------------------------------------------------------------


def test_get_request_uses_request_class() -> None:
    builder = EnvironBuilder("/x?y=1")
    request = builder.get_request()
    assert isinstance(request, Request)
    assert request.args["y"] == "1"

    class MyRequest(Request):
        pass

    assert isinstance(builder.get_request(MyRequest), MyRequest)


def test_base_builder_needs_a_request_class() -> None:
    builder = BaseEnvironBuilder()
    with pytest.raises(TypeError, match="request class"):
        builder.get_request()
    assert isinstance(builder.get_request(Request), Request)


def test_request_from_values() -> None:
    request = Request.from_values("/p?q=1", method="POST", data={"a": "b"})
    assert request.path == "/p"
    assert request.form["a"] == "b"


def test_from_environ_round_trip() -> None:
    original = create_environ(
        "/caf\u00e9/a%2Fb/100%25",
        base_url="https://example.com:8443/root",
        query_string="x=1&y=%C3%A9",
        method="POST",
        data=b"payload",
        content_type="text/plain",
        headers={"X-Custom": "yes"},
    )
    builder = EnvironBuilder.from_environ(original)
    again = builder.get_environ()
    for key in (
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "SERVER_NAME",
        "SERVER_PORT",
        "HTTP_HOST",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "HTTP_X_CUSTOM",
        "wsgi.url_scheme",
    ):
        assert again[key] == original[key], key
    assert again["wsgi.input"].read() == b"payload"


def test_from_environ_without_host_header_and_with_kwargs() -> None:
    environ = create_environ(base_url="http://h:8080/")
    del environ["HTTP_HOST"]
    builder = EnvironBuilder.from_environ(environ, method="DELETE")
    assert builder.host == "h:8080"
    assert builder.method == "DELETE"


# -- the app-aware builder ----------------------------------------------------------------


def make_app(**config: t.Any) -> Kolben:
    app = Kolben(__name__)
    app.config.update(config)
    return app


def test_app_builder_defaults() -> None:
    app = make_app()
    builder = KolbenEnvironBuilder(app, "/x")
    assert builder.base_url == "http://localhost/"
    app = make_app(
        SERVER_NAME="example.com:8080", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    builder = KolbenEnvironBuilder(app, "/x")
    assert builder.base_url == "https://example.com:8080/app/"
    environ = builder.get_environ()
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["PATH_INFO"] == "/x"


def test_app_builder_subdomain_and_scheme() -> None:
    app = make_app(SERVER_NAME="example.com")
    builder = KolbenEnvironBuilder(app, "/", subdomain="api", url_scheme="https")
    assert builder.base_url == "https://api.example.com/"
    with pytest.raises(TypeError, match="base_url"):
        KolbenEnvironBuilder(app, "/", base_url="http://x/", subdomain="api")
    with pytest.raises(TypeError, match="base_url"):
        KolbenEnvironBuilder(app, "/", base_url="http://x/", url_scheme="https")


def test_app_builder_full_url_and_json() -> None:
    app = make_app(APPLICATION_ROOT="/root")
    builder = KolbenEnvironBuilder(app, "https://other.test/p?q=1", json={"a": 1})
    environ = builder.get_environ()
    assert environ["HTTP_HOST"] == "other.test"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["QUERY_STRING"] == "q=1"
    assert json.loads(body_of(environ)) == {"a": 1}


def test_flask_style_builder_with_app_first() -> None:
    builder = EnvironBuilder(make_app(), "/flask-style")
    assert isinstance(builder, KolbenEnvironBuilder)
    assert builder.get_environ()["PATH_INFO"] == "/flask-style"
    assert isinstance(EnvironBuilder(app=make_app(), path="/k"), KolbenEnvironBuilder)
    assert type(EnvironBuilder("/plain")) is EnvironBuilder
