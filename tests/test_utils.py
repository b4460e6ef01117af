"""Tests for kolben.utils (redirects, file names, files) and kolben.security.safe_join."""

from __future__ import annotations

import io
import os
import typing as t
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import werkzeug.utils as wz_utils
from hypothesis import given
from hypothesis import strategies as st

from kolben import Kolben, request
from kolben.datastructures import Headers
from kolben.exceptions import NotFound, RequestedRangeNotSatisfiable
from kolben.http import http_date, parse_date
from kolben.security import safe_join
from kolben.testing import KolbenClient, create_environ
from kolben.utils import (
    ImportStringError,
    append_slash_redirect,
    environ_property,
    find_modules,
    get_content_type,
    header_property,
    import_string,
    redirect,
    secure_filename,
    send_file,
    send_from_directory,
)
from kolben.wrappers import Request, Response


def run_wsgi(response: Response, environ: dict[str, t.Any]) -> tuple[str, Headers, bytes]:
    """Call ``response`` as a server would, closing the iterable afterwards."""
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured[:] = [status, headers]

    app_iter = response(environ, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return captured[0], Headers(captured[1]), body


# -- redirect -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (301, "301 MOVED PERMANENTLY"),
        (302, "302 FOUND"),
        (303, "303 SEE OTHER"),
        (307, "307 TEMPORARY REDIRECT"),
        (308, "308 PERMANENT REDIRECT"),
    ],
)
def test_redirect_codes(code: int, status: str) -> None:
    r = redirect("/target", code)
    assert r.status == status
    assert r.headers["Location"] == "/target"


def test_redirect_defaults_to_302_with_html_body() -> None:
    r = redirect("/x?a=1&b=2")
    assert r.status_code == 302
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "/x?a=1&amp;b=2" in body
    assert r.headers["Content-Length"] == str(len(r.get_data()))


@pytest.mark.parametrize(
    "location", ["/a?b=c&d=e", "http://ex.com/p", "../up", "relative", "/über", "https://x/#frag"]
)
def test_redirect_location_exactly_as_given(location: str) -> None:
    assert redirect(location).headers["Location"] == location


def test_redirect_body_escapes_the_location() -> None:
    r = redirect('/x?a="><script>alert(1)</script>')
    body = r.get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert '"><' not in body


@pytest.mark.parametrize(
    "location", ["/x\r\nSet-Cookie: a=b", "/x\nX: y", "/x\r", "/x\x00", "\r\n\r\n<html>"]
)
def test_redirect_refuses_cr_lf_nul(location: str) -> None:
    with pytest.raises(ValueError):
        redirect(location)


def test_redirect_to_protocol_relative_url_is_sent_unchanged_so_never_pass_user_input() -> None:
    # "//evil.example" is a redirect to ANOTHER HOST for a browser. redirect()
    # sends the Location exactly as given: validating user-supplied targets
    # is the application's job.
    r = redirect("//evil.example")
    _, headers, _ = run_wsgi(r, create_environ())
    assert headers["Location"] == "//evil.example"


def test_redirect_with_a_response_class() -> None:
    class Mine(Response):
        pass

    r = redirect("/x", 307, Response=Mine)
    assert type(r) is Mine
    assert r.status_code == 307


def test_non_ascii_redirect_goes_out_as_uri() -> None:
    _, headers, _ = run_wsgi(redirect("/über"), create_environ())
    assert headers["Location"] == "/%C3%BCber"


@given(st.text(max_size=40), st.sampled_from(["\r", "\n", "\x00"]), st.text(max_size=40))
def test_redirect_never_splits_a_response(before: str, bad: str, after: str) -> None:
    with pytest.raises(ValueError):
        redirect(before + bad + after)


# -- append_slash_redirect ----------------------------------------------------


def slash_redirect(path_info: str, query: str = "", code: int | None = None) -> Response:
    environ = create_environ()
    environ["PATH_INFO"] = path_info
    environ["QUERY_STRING"] = query
    return append_slash_redirect(environ) if code is None else append_slash_redirect(environ, code)


@pytest.mark.parametrize(
    ("path_info", "query", "location"),
    [
        ("/a/b", "", "b/"),
        ("/a/b", "x=1&y=2", "b/?x=1&y=2"),
        ("/b", "", "b/"),
        ("/", "", "./"),
        ("/a/b/", "", "./"),
        ("/a/\xc3\xbc", "", "%C3%BC/"),  # "ü" as the server passes it (UTF-8 bytes)
        ("/a/x y", "", "x%20y/"),
        ("/a/b", "q=\xc3\xbc", "b/?q=%C3%BC"),
    ],
)
def test_append_slash_redirect(path_info: str, query: str, location: str) -> None:
    r = slash_redirect(path_info, query)
    assert r.status_code == 308
    assert r.headers["Location"] == location


def test_append_slash_redirect_code() -> None:
    assert slash_redirect("/a", code=301).status_code == 301


@pytest.mark.parametrize(
    "path_info",
    ["/a/https:evil.example", "/a/javascript:alert(1)", "/\\evil.example", "/a/\\\\evil.example"],
)
def test_append_slash_redirect_stays_on_this_site(path_info: str) -> None:
    location = slash_redirect(path_info).headers["Location"]
    # No scheme in the first segment and no backslash a browser would read as "/".
    assert ":" not in location.split("/")[0]
    assert "\\" not in location
    assert not location.startswith("/")


def test_append_slash_redirect_keeps_the_tail_one_segment() -> None:
    assert slash_redirect("/a/x?y").headers["Location"] == "x%3Fy/"
    assert slash_redirect("/a/100%").headers["Location"] == "100%25/"


# -- secure_filename ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("__init__.py", "init__.py"),
        ("ü", "u"),
        ("a\x00b.txt", "ab.txt"),
        ("C:\\x", "C_x"),
        ("C:\\Windows\\system32\\cmd.exe", "C_Windows_system32_cmd.exe"),
        ("\\\\server\\share\\f.txt", "server_share_f.txt"),
        ("/abs/path.txt", "abs_path.txt"),
        ("file name .txt", "file_name_.txt"),
        (".hidden", "hidden"),
        ("trailing.", "trailing"),
        ("tab\tand\nnewline", "tab_and_newline"),
        ("<script>.html", "script.html"),
    ],
)
def test_secure_filename(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


@pytest.mark.parametrize("name", ["", "...", "  ", "日本語", "../..", "__", "\x00"])
def test_secure_filename_may_return_empty(name: str) -> None:
    assert secure_filename(name) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("nul", "_nul"),
        ("AUX.tar.gz", "_AUX.tar.gz"),
        ("COM1.log", "_COM1.log"),
        ("lpt9", "_lpt9"),
        ("prn.", "_prn"),
        ("com10", "com10"),
        ("conx.txt", "conx.txt"),
    ],
)
def test_secure_filename_prefixes_windows_device_names(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


def test_secure_filename_same_under_windows_separators(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["../../etc/passwd", "C:\\x\\y", "CON", "a/b\\c", "ü x.txt"]
    here = [secure_filename(n) for n in names]
    monkeypatch.setattr(os, "sep", "\\")
    monkeypatch.setattr(os.path, "altsep", "/")
    assert [secure_filename(n) for n in names] == here


_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


@given(st.text(max_size=60))
def test_secure_filename_output_is_always_safe(name: str) -> None:
    result = secure_filename(name)
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in result)
    assert not result.startswith(".")
    assert not result.endswith((".", "_"))
    if result.startswith("_"):
        # Only the prefix that defuses a Windows device name.
        assert result[1:].split(".")[0].upper() in _DEVICES
    else:
        assert result.split(".")[0].upper() not in _DEVICES


# -- safe_join ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("a",), "/static/a"),
        (("a/b.txt",), "/static/a/b.txt"),
        (("a", "b"), "/static/a/b"),
        (("./a",), "/static/a"),
        (("a//b",), "/static/a/b"),
        (("a/./b",), "/static/a/b"),
        (("%2e%2e",), "/static/%2e%2e"),  # literal name: safe_join gets decoded text
        (("a%2fb",), "/static/a%2fb"),
        (("conx.txt",), "/static/conx.txt"),
        # Normalised as in Werkzeug: a ".." that stays inside is harmless.
        (("a/../b",), "/static/b"),
        (("a/..",), "/static/."),
        (("sub", "a/b/../../c"), "/static/sub/c"),
    ],
)
def test_safe_join_allows(parts: tuple[str, ...], expected: str) -> None:
    assert safe_join("/static", *parts) == expected


@pytest.mark.parametrize(
    "part",
    [
        "..",
        "../x",
        "a/../../x",
        "../static1/x",  # a sibling with the same prefix
        "..%2f../",  # a partly decoded form still holds a ".." segment
        "/etc/passwd",
        "//host",
        "//host/share/x",
        "a\\b",
        "..\\x",
        "\\\\server\\share",
        "\\\\?\\C:\\x",
        "C:x",
        "C:/x",
        "c:",
        "z:\\x",
        "CON",
        "con",
        "nul.txt",
        "NUL.tar.gz",
        "sub/AUX",
        "sub/aux.js",
        "COM1",
        "lpt1.txt",
        "CONIN$",
        "a\x00b",
        "x\x00/../../etc",
        "x.",
        "x ",
        "sub/x.",
        "sub. /x",
        "...",
        "a/.../b",
    ],
)
def test_safe_join_refuses(part: str) -> None:
    assert safe_join("/static", part) is None
    # Also as a later argument.
    assert safe_join("/static", "ok", part) is None


def test_safe_join_decoded_percent_forms() -> None:
    # "%2e%2e/%2e%2e/x" and "a%2f..%2f..%2fx" as a router hands them over (decoded).
    assert safe_join("/static", "../../x") is None
    assert safe_join("/static", "a/../../x") is None
    assert safe_join("/static", "%2e%2e") == "/static/%2e%2e"


def test_safe_join_empty_directory_means_current() -> None:
    assert safe_join("", "a") == "./a"


def test_safe_join_does_not_depend_on_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows-dangerous names are refused everywhere, by design: there is no
    # platform switch in kolben.security, so pretending to be Windows changes
    # nothing.
    cases = ["CON", "a\\b", "C:x", "nul.txt", "ok/file.txt", "x."]
    here = [safe_join("/static", c) for c in cases]
    monkeypatch.setattr(os, "name", "nt")
    monkeypatch.setattr(os, "sep", "\\")
    monkeypatch.setattr(os, "altsep", "/")
    monkeypatch.setattr(os.path, "altsep", "/")
    assert [safe_join("/static", c) for c in cases] == here
    assert here[:4] == [None, None, None, None]
    assert here[5] is None


@given(st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_safe_join_result_stays_inside(parts: list[str]) -> None:
    result = safe_join("/static", *parts)
    if result is not None:
        normalized = os.path.normpath(result)
        assert normalized == "/static" or normalized.startswith("/static/")
        assert "\x00" not in result
        assert "\\" not in result


# -- send_file / send_from_directory ------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``root/static`` with files, a folder and symlinks; ``root/static1`` next to it."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "hello.txt").write_bytes(b"hello world")
    (static / "data.json").write_bytes(b'{"a": 1}')
    (static / "blob").write_bytes(b"\x00\x01")
    (static / "grüße.txt").write_bytes("grüße".encode())
    (static / "sub").mkdir()
    (static / "sub" / "inner.css").write_bytes(b"a{}")
    (tmp_path / "static1").mkdir()
    (tmp_path / "static1" / "x").write_bytes(b"sibling secret")
    (tmp_path / "secret.txt").write_bytes(b"outside secret")
    (static / "escape").symlink_to(tmp_path / "secret.txt")
    (static / "escape_dir").symlink_to(tmp_path / "static1", target_is_directory=True)
    (static / "alias.txt").symlink_to(static / "blob")
    return tmp_path


def serve(
    tree: Path, path: str, headers: dict[str, str] | None = None, method: str = "GET", **kw: t.Any
) -> tuple[str, Headers, bytes]:
    environ = create_environ(method=method, headers=headers)
    response = send_from_directory(tree / "static", path, environ, **kw)
    return run_wsgi(response, environ)


def test_send_from_directory_serves_a_file(tree: Path) -> None:
    status, headers, body = serve(tree, "hello.txt")
    assert status == "200 OK"
    assert body == b"hello world"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == "11"
    assert headers["Content-Disposition"] == "inline; filename=hello.txt"
    assert headers["Accept-Ranges"] == "bytes"
    assert "ETag" in headers
    mtime = os.stat(tree / "static" / "hello.txt").st_mtime
    assert headers["Last-Modified"] == http_date(int(mtime))
    assert parse_date(headers["Date"]) is not None


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("data.json", "application/json"),
        ("blob", "application/octet-stream"),
        ("sub/inner.css", "text/css; charset=utf-8"),
    ],
)
def test_send_from_directory_mimetypes(tree: Path, path: str, mimetype: str) -> None:
    _, headers, _ = serve(tree, path)
    assert headers["Content-Type"] == mimetype


def test_send_from_directory_in_root_symlink_keeps_the_requested_name(tree: Path) -> None:
    _, headers, body = serve(tree, "alias.txt")
    assert body == b"\x00\x01"
    assert headers["Content-Disposition"] == "inline; filename=alias.txt"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "escape",  # a symlink to a file outside the directory
        "escape_dir/x",  # through a symlinked folder
        "../static1/x",
        "../secret.txt",
        "/etc/passwd",
        "..\\secret.txt",
        "C:/secret.txt",
        "\\\\server\\share\\x",
        "//host/x",
        "CON",
        "nul.txt",
        "sub/AUX",
        "hello.txt\x00.png",
        "hello.txt.",
        "missing.txt",
        "sub",
        "sub/",
        ".",
        "",
        "%2e%2e/secret.txt",
        "..%2fsecret.txt",
    ],
)
def test_send_from_directory_refuses_with_404(tree: Path, path: str) -> None:
    with pytest.raises(NotFound) as info:
        send_from_directory(tree / "static", path, create_environ())
    assert info.value.code == 404


def test_send_from_directory_missing_directory(tree: Path) -> None:
    with pytest.raises(NotFound):
        send_from_directory(tree / "nope", "hello.txt", create_environ())


def test_send_from_directory_relative_to_root_path(tree: Path) -> None:
    environ = create_environ()
    response = send_from_directory("static", "hello.txt", environ, _root_path=tree)
    _, _, body = run_wsgi(response, environ)
    assert body == b"hello world"


def test_non_ascii_name_gets_rfc5987_filename(tree: Path) -> None:
    _, headers, body = serve(tree, "grüße.txt", as_attachment=True)
    assert body == "grüße".encode()
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''gr%C3%BC%C3%9Fe.txt" in disposition
    assert "filename=grue.txt" in disposition
    assert disposition.isascii()


def test_as_attachment_and_download_name(tree: Path) -> None:
    _, headers, _ = serve(tree, "blob", as_attachment=True, download_name='re"port;1.csv')
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="re\\"port;1.csv"'


def test_conditional_304_with_etag_and_last_modified(tree: Path) -> None:
    _, first, _ = serve(tree, "hello.txt")
    status, headers, body = serve(tree, "hello.txt", {"If-None-Match": first["ETag"]})
    assert (status, body) == ("304 NOT MODIFIED", b"")
    assert headers["ETag"] == first["ETag"]
    status, _, body = serve(tree, "hello.txt", {"If-Modified-Since": first["Last-Modified"]})
    assert (status, body) == ("304 NOT MODIFIED", b"")
    earlier = http_date(parse_date(first["Last-Modified"]) - timedelta(seconds=10))  # type: ignore[operator]
    status, _, body = serve(tree, "hello.txt", {"If-Modified-Since": earlier})
    assert (status, body) == ("200 OK", b"hello world")


def test_etag_changes_with_the_file(tree: Path) -> None:
    _, first, _ = serve(tree, "hello.txt")
    target = tree / "static" / "hello.txt"
    target.write_bytes(b"changed content")
    os.utime(target, (1_000_000_000, 1_000_000_000))
    status, headers, body = serve(tree, "hello.txt", {"If-None-Match": first["ETag"]})
    assert (status, body) == ("200 OK", b"changed content")
    assert headers["ETag"] != first["ETag"]


def test_range_206(tree: Path) -> None:
    status, headers, body = serve(tree, "hello.txt", {"Range": "bytes=6-"})
    assert status == "206 PARTIAL CONTENT"
    assert body == b"world"
    assert headers["Content-Range"] == "bytes 6-10/11"
    assert headers["Content-Length"] == "5"
    status, _, body = serve(tree, "hello.txt", {"Range": "bytes=0-4"})
    assert (status, body) == ("206 PARTIAL CONTENT", b"hello")
    status, _, body = serve(tree, "hello.txt", {"Range": "bytes=-3"})
    assert (status, body) == ("206 PARTIAL CONTENT", b"rld")


def test_range_head(tree: Path) -> None:
    status, headers, body = serve(tree, "hello.txt", {"Range": "bytes=0-4"}, method="HEAD")
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Length"] == "5"
    assert body == b""


def test_range_416(tree: Path) -> None:
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        send_from_directory(
            tree / "static", "hello.txt", create_environ(headers={"Range": "bytes=50-60"})
        )
    assert info.value.length == 11
    status, headers, _ = run_wsgi(info.value.get_response(), create_environ())
    assert status.startswith("416")
    assert headers["Content-Range"] == "bytes */11"


def test_range_with_stale_if_range_gives_200(tree: Path) -> None:
    status, _, body = serve(tree, "hello.txt", {"Range": "bytes=0-4", "If-Range": '"stale"'})
    assert (status, body) == ("200 OK", b"hello world")


def test_max_age(tree: Path) -> None:
    _, headers, _ = serve(tree, "hello.txt", max_age=60)
    assert headers["Cache-Control"] == "public, max-age=60"
    expires = parse_date(headers["Expires"])
    assert expires is not None
    delta = expires - datetime.now(timezone.utc)
    assert timedelta(seconds=55) < delta <= timedelta(seconds=61)


def test_max_age_callable(tree: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 5

    _, headers, _ = serve(tree, "hello.txt", max_age=max_age)
    assert headers["Cache-Control"] == "public, max-age=5"
    assert len(seen) == 1
    assert str(seen[0]).endswith("hello.txt")


def test_max_age_none_means_no_cache(tree: Path) -> None:
    _, headers, _ = serve(tree, "hello.txt", max_age=None)
    assert headers["Cache-Control"] == "no-cache"
    assert "Expires" not in headers


def test_send_file_path_options(tree: Path) -> None:
    environ = create_environ()
    path = tree / "static" / "hello.txt"
    r = send_file(path, environ, etag="custom", last_modified=0)
    _, headers, _ = run_wsgi(r, environ)
    assert headers["ETag"] == '"custom"'
    assert headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    r = send_file(str(path), environ, etag=False, conditional=False)
    status, headers, body = run_wsgi(r, environ)
    assert "ETag" not in headers
    assert "Accept-Ranges" not in headers
    assert (status, body) == ("200 OK", b"hello world")


def test_send_file_x_sendfile(tree: Path) -> None:
    environ = create_environ()
    path = tree / "static" / "hello.txt"
    _, headers, body = run_wsgi(send_file(path, environ, use_x_sendfile=True), environ)
    assert headers["X-Sendfile"] == str(path)
    assert body == b""


def test_send_file_bytesio_with_download_name() -> None:
    environ = create_environ()
    r = send_file(io.BytesIO(b"abc"), environ, download_name="r.json")
    status, headers, body = run_wsgi(r, environ)
    assert (status, body) == ("200 OK", b"abc")
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Disposition"] == "inline; filename=r.json"
    assert headers["Content-Length"] == "3"
    assert "ETag" not in headers  # only paths get a default ETag
    assert "Last-Modified" not in headers


def test_send_file_bytesio_with_mimetype() -> None:
    environ = create_environ()
    r = send_file(io.BytesIO(b"a,b"), environ, mimetype="text/csv")
    _, headers, body = run_wsgi(r, environ)
    assert body == b"a,b"
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Content-Disposition" not in headers


def test_send_file_bytesio_range() -> None:
    environ = create_environ(headers={"Range": "bytes=2-5"})
    r = send_file(io.BytesIO(b"0123456789"), environ, mimetype="application/octet-stream")
    status, headers, body = run_wsgi(r, environ)
    assert (status, body) == ("206 PARTIAL CONTENT", b"2345")
    assert headers["Content-Range"] == "bytes 2-5/10"


def test_send_file_bytesio_without_a_name_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Unable to detect the MIME type"):
        send_file(io.BytesIO(b"abc"), create_environ())


def test_send_file_text_mode_file_is_a_value_error(tree: Path) -> None:
    with open(tree / "static" / "hello.txt") as text_file, pytest.raises(ValueError):
        send_file(text_file, create_environ(), mimetype="text/plain")
    with pytest.raises(ValueError):
        send_file(io.StringIO("x"), create_environ(), mimetype="text/plain")  # type: ignore[arg-type]


def test_send_file_binary_file_object_is_closed_after_sending(tree: Path) -> None:
    environ = create_environ()
    handle = open(tree / "static" / "hello.txt", "rb")  # noqa: SIM115
    r = send_file(handle, environ, download_name="hello.txt")
    _, _, body = run_wsgi(r, environ)
    assert body == b"hello world"
    assert handle.closed


def test_send_file_uses_the_server_file_wrapper(tree: Path) -> None:
    wrapped: list[t.Any] = []

    class FileWrapper:
        def __init__(self, file: t.IO[bytes], block_size: int = 8192) -> None:
            wrapped.append(file)
            self.file = file

        def __iter__(self) -> t.Iterator[bytes]:
            return iter([self.file.read()])

        def close(self) -> None:
            self.file.close()

    environ = create_environ()
    environ["wsgi.file_wrapper"] = FileWrapper
    r = send_file(tree / "static" / "hello.txt", environ)
    _, _, body = run_wsgi(r, environ)
    assert body == b"hello world"
    assert len(wrapped) == 1
    assert wrapped[0].closed


def test_send_file_missing_path_raises(tree: Path) -> None:
    with pytest.raises(FileNotFoundError):
        send_file(tree / "static" / "missing.txt", create_environ())


def test_import_string_error_is_importable_from_utils() -> None:
    # Flask-Caching and Flask-DebugToolbar import import_string from
    # werkzeug.utils; code that catches its failure names the error from there.
    assert import_string("os.path:join") is os.path.join
    assert import_string("kolben.nope_nothing", silent=True) is None
    with pytest.raises(ImportStringError) as info:
        import_string("os.path.no_such_function")
    assert info.value.import_name == "os.path.no_such_function"
    assert isinstance(info.value.exception, AttributeError)
    assert isinstance(info.value, ImportError)


# -- Werkzeug's descriptor and module helpers --------------------------------


class TenantRequest(Request):
    tenant = environ_property("HTTP_X_TENANT", "public")
    shard = environ_property("HTTP_X_SHARD", 0, load_func=int)


class TaggedResponse(Response):
    request_id = header_property("X-Request-Id")
    retries = header_property[int]("X-Retries", 0, load_func=int, dump_func=str)


@pytest.mark.parametrize("is_async", [False, True])
def test_environ_property_on_a_request_class(
    app: Kolben, make_client: t.Callable[..., KolbenClient], is_async: bool
) -> None:
    app.request_class = TenantRequest

    def view() -> dict[str, t.Any]:
        req = t.cast(TenantRequest, request._get_current_object())
        return {"tenant": req.tenant, "shard": req.shard}

    async def async_view() -> dict[str, t.Any]:
        return view()

    app.add_url_rule("/", "index", async_view if is_async else view)
    client = make_client(app)
    assert client.get("/").json == {"tenant": "public", "shard": 0}
    headers = {"X-Tenant": "acme", "X-Shard": "7"}
    assert client.get("/", headers=headers).json == {"tenant": "acme", "shard": 7}
    # A value load_func rejects reads as the default.
    assert client.get("/", headers={"X-Shard": "seven"}).json["shard"] == 0


def test_environ_property_is_read_only_unless_asked() -> None:
    req = TenantRequest(create_environ(headers={"X-Tenant": "acme"}))
    with pytest.raises(AttributeError, match="read_only=False"):
        req.tenant = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        del req.tenant
    assert isinstance(TenantRequest.tenant, environ_property)
    assert repr(TenantRequest.tenant) == "<environ_property HTTP_X_TENANT>"

    class Writable:
        environ: dict[str, t.Any] = {}
        flag = environ_property[str]("kolben.flag", read_only=False)

    obj = Writable()
    obj.environ = {}
    assert obj.flag is None
    obj.flag = "on"
    assert obj.environ == {"kolben.flag": "on"}
    del obj.flag
    assert obj.environ == {}


def test_header_property_reads_writes_and_deletes_a_header() -> None:
    response = TaggedResponse("hi")
    assert response.request_id is None
    assert response.retries == 0
    response.request_id = "abc"
    response.retries = 3
    assert response.headers["X-Request-Id"] == "abc"
    assert response.headers["X-Retries"] == "3"
    assert response.retries == 3
    del response.request_id
    assert "X-Request-Id" not in response.headers
    del response.request_id  # deleting a missing header is not an error


@pytest.mark.parametrize(
    "mimetype",
    [
        "text/plain", "text/html", "application/json", "application/javascript",
        "application/xml", "application/xml-dtd", "image/svg+xml", "application/octet-stream",
        "image/png", "application/sql", "application/ecmascript",
    ],
)  # fmt: skip
def test_get_content_type_matches_werkzeug(mimetype: str) -> None:
    assert get_content_type(mimetype, "latin-1") == wz_utils.get_content_type(
        mimetype, "latin-1"
    )


def test_find_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "kolben_findme"
    (pkg / "sub" / "deeper").mkdir(parents=True)
    for path in ["__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/c.py",
                 "sub/deeper/__init__.py", "sub/deeper/d.py"]:  # fmt: skip
        (pkg / path).write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert sorted(find_modules("kolben_findme")) == ["kolben_findme.a", "kolben_findme.b"]
    assert sorted(find_modules("kolben_findme", include_packages=True)) == [
        "kolben_findme.a", "kolben_findme.b", "kolben_findme.sub",
    ]  # fmt: skip
    assert sorted(find_modules("kolben_findme", recursive=True)) == [
        "kolben_findme.a", "kolben_findme.b", "kolben_findme.sub.c",
        "kolben_findme.sub.deeper.d",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="not a package"):
        list(find_modules("kolben_findme.a"))
    with pytest.raises(ImportStringError):
        list(find_modules("kolben_findme_missing"))
