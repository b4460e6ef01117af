"""SECURITY.md, "Paths, static files, redirects": every line, on every entry point.

Each hostile path is tried on the four ways a file can be reached:
``kolben.security.safe_join``, ``kolben.utils.send_from_directory``, the
app's ``static`` route and a blueprint's static route (the last two under
WSGI and ASGI). Windows path rules are checked by reading every path that
``safe_join`` accepts with ``ntpath``, the way Windows would.

Further cases of the same lines: test_utils.py (``safe_join``,
``send_from_directory``, ``redirect``), test_app_routing.py (static route),
test_response.py and test_byteranges.py (conditional and Range answers).

+-------------------------------------+------------------------------------------------------------+
| SECURITY.md line                    | tests                                                      |
+=====================================+============================================================+
| safe_join / send_from_directory /   | test_hostile_path_is_refused_by_safe_join                  |
| the static route refuse: .., %2e%2e,| test_hostile_path_is_refused_by_send_from_directory        |
| encoded slashes, //host,            | test_hostile_path_is_404_on_the_static_routes (app and     |
| backslashes, drive letters, UNC     |   blueprint, URL-encoded and as a raw PATH_INFO)           |
| paths, Windows device names (CON,   | test_symlink_inside_the_root_is_served                     |
| nul.txt, sub/AUX), absolute paths,  | test_accepted_paths_stay_inside_under_windows_rules        |
| NUL bytes, symlinks leaving the     | test_refusals_do_not_depend_on_the_platform                |
| root, a sibling with the same       | test_utils.py: test_safe_join_refuses,                     |
| prefix (/static/../static1/x) ->    |   test_send_from_directory_refuses_with_404                |
| 404. Tests also run with Windows    |                                                            |
| path rules.                         | test_safe_join_matches_werkzeug_inside_the_root (a/../b    |
|                                     |   normalised to root/b, as Werkzeug does)                  |
|                                     | test_send_from_directory_serves_a_normalised_path          |
+-------------------------------------+------------------------------------------------------------+
| Range requests: many, overlapping   | test_range_answers (one id per case: single, several,      |
| or unsatisfiable ranges -> linear   |   overlapping, many, too many, unsatisfiable, partly       |
| cost, 206/416/200 as the RFC says.  |   satisfiable, stale If-Range)                             |
|                                     | test_hostile_ranges_cost_at_most_the_file                  |
|                                     | test_byteranges.py                                         |
+-------------------------------------+------------------------------------------------------------+
| Conditional requests: ETag and      | test_conditional_answers (one id per case: If-None-Match,  |
| Last-Modified give correct 304s.    |   weak and star, If-Modified-Since older and newer,        |
|                                     |   If-Match and If-Unmodified-Since 412)                    |
|                                     | test_conditional_send_file_object_with_etag                |
+-------------------------------------+------------------------------------------------------------+
| redirect() and every header value:  | test_control_characters_in_header_values_are_refused       |
| CR, LF or NUL -> ValueError, never  | test_redirect_to_another_host_is_sent_as_given             |
| a split response.                   | test_utils.py: test_redirect_refuses_cr_lf_nul,            |
| redirect("//evil.example") is       |   test_redirect_never_splits_a_response,                   |
| documented, and the test client     |   test_redirect_to_protocol_relative_url_is_sent_unchanged |
| shows exactly what Location is      |   _so_never_pass_user_input                                |
| sent.                               | test_app_responses.py:                                     |
|                                     |   test_redirect_with_control_characters_is_refused         |
|                                     | test_reliability_inputs.py (a value past Latin-1 is a      |
|                                     |   ValueError too; Location IRIs are sent as URIs):         |
|                                     |   test_every_way_into_headers_refuses_non_latin_1,         |
|                                     |   test_latin_1_and_location_iris_are_still_accepted        |
+-------------------------------------+------------------------------------------------------------+
"""

from __future__ import annotations

import io
import ntpath
import os
import re
import time
import typing as t
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.security import safe_join as werkzeug_safe_join

from kolben import Kolben, redirect
from kolben import send_file as app_send_file
from kolben.blueprints import Blueprint
from kolben.exceptions import NotFound
from kolben.http import http_date
from kolben.security import safe_join
from kolben.testing import KolbenClient, create_environ
from kolben.utils import redirect as utils_redirect
from kolben.utils import send_file, send_from_directory
from kolben.wrappers import Response

MakeClient = Callable[..., KolbenClient]

BIG = bytes(range(256)) * 4096  # 1 MiB

#: id -> the hostile path as the app sees it (decoded).
HOSTILE = {
    "dotdot": "../secret.txt",
    "dotdot-deep": "sub/../../secret.txt",
    "dotdot-only": "..",
    "pct-dotdot": "%2e%2e/secret.txt",  # as a literal name it is harmless; decoded it is ".."
    "encoded-slash": "..%2fsecret.txt",
    "double-slash-host": "//host/share/x",
    "backslash": "..\\secret.txt",
    "backslash-inside": "sub\\..\\..\\secret.txt",
    "drive-letter": "C:/secret.txt",
    "drive-relative": "C:secret.txt",
    "unc": "\\\\server\\share\\x",
    "unc-device": "\\\\?\\C:\\secret.txt",
    "device-con": "CON",
    "device-with-extension": "nul.txt",
    "device-in-folder": "sub/AUX",
    "device-com": "com1.log",
    "absolute": "/etc/passwd",
    "nul-byte": "hello.txt\x00.png",
    "trailing-dot": "hello.txt.",
    "sibling-prefix": "../static1/x.txt",
    "symlink-file-out": "escape.txt",
    "symlink-dir-out": "escape_dir/x.txt",
}
#: safe_join is a string operation: it cannot see symlinks, and a literal
#: "%2e%2e" is just a strange name. Those are refused one level up.
SAFE_JOIN_ACCEPTS = {"pct-dotdot", "encoded-slash", "symlink-file-out", "symlink-dir-out"}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only for the tests: built once for the module."""
    root = tmp_path_factory.mktemp("paths") / "root"
    for folder in ("static", "bp_static"):
        (root / folder / "sub").mkdir(parents=True)
        (root / folder / "hello.txt").write_bytes(b"hello")
        (root / folder / "big.bin").write_bytes(BIG)
        (root / folder / "escape.txt").symlink_to(root / "secret.txt")
        (root / folder / "escape_dir").symlink_to(root / "static1", target_is_directory=True)
        (root / folder / "inside.txt").symlink_to(root / folder / "hello.txt")
    (root / "secret.txt").write_bytes(b"SECRET")
    (root / "static1").mkdir()
    (root / "static1" / "x.txt").write_bytes(b"SIBLING")
    return root


@pytest.fixture
def static_app(tree: Path) -> Kolben:
    app = Kolben("paths_app", static_folder="static", root_path=str(tree))
    app.config["TESTING"] = True
    bp = Blueprint(
        "bp",
        "paths_bp",
        static_folder="bp_static",
        static_url_path="/static",
        url_prefix="/bp",
        root_path=str(tree),
    )
    app.register_blueprint(bp)

    @app.route("/file")
    def a_file() -> Response:
        return app_send_file(io.BytesIO(BIG), mimetype="application/octet-stream", etag="fixed")

    return app


# -- traversal ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_path_is_refused_by_safe_join(tree: Path, case: str) -> None:
    result = safe_join(str(tree / "static"), HOSTILE[case])
    if case in SAFE_JOIN_ACCEPTS:
        assert result is not None
        assert os.path.normpath(result).startswith(str(tree / "static") + os.sep)
    else:
        assert result is None


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_path_is_refused_by_send_from_directory(tree: Path, case: str) -> None:
    with pytest.raises(NotFound):
        send_from_directory(tree / "static", HOSTILE[case], create_environ())


@pytest.mark.parametrize("prefix", ["/static", "/bp/static"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_path_is_404_on_the_static_routes(
    static_app: Kolben, make_client: MakeClient, case: str, prefix: str
) -> None:
    client = make_client(static_app)
    path = HOSTILE[case]
    # As a browser would encode it, and as a server may hand it over raw.
    for url, raw in ((f"{prefix}/{quote(path, safe='/')}", None), ("/", f"{prefix}/{path}")):
        overrides = {"PATH_INFO": raw} if raw else {}
        with client.get(url, environ_overrides=overrides) as response:
            assert response.status_code in (404, 308)
            if response.status_code == 308:
                # "//" merged into "/": a redirect that stays in the folder.
                assert response.headers["Location"].startswith(f"http://localhost{prefix}/")
        with client.get(url, environ_overrides=overrides, follow_redirects=True) as response:
            assert response.status_code == 404
            assert b"SECRET" not in response.data
            assert b"SIBLING" not in response.data


#: Paths given to both Kolben's and Werkzeug's safe_join: the results are the
#: same (both normalise first, so a ".." that stays inside is allowed)...
SAFE_JOIN_TABLE = [
    "a", "a/b.txt", "./a", "a//b", "a/./b", "a/../b", "a/..", "a/b/../../c", "./a/../b",
    "a//../b", "a/./../b", "a/b/..", "b/..x", "..a", "a/ /..", "sub/../hello.txt",
    "x./../b", "CON/../b", "%2e%2e", "", "..", "../x", "a/../../b", "a/b/../../../c",
    "sub/../../secret.txt", "/a/../b", "/etc/passwd", "//host/x", "../static1/x.txt",
]  # fmt: skip
#: ... except these, refused by Kolben on every platform and by Werkzeug only
#: on Windows (or not at all: trailing dots, ADS), as SECURITY.md says.
WINDOWS_TRAPS = [
    "a\\..\\b", "sub/..\\..\\x", "C:x", "C:/x", "CON", "nul.txt", "sub/AUX", "x.", "x ",
    "...", "a/.../b", "a/.. /b", "..%2f..", "a:stream", "\\\\server\\share", "a\x00b",
    "a/\x00/../b",
]  # fmt: skip


@pytest.mark.parametrize("path", SAFE_JOIN_TABLE + WINDOWS_TRAPS)
def test_safe_join_matches_werkzeug_inside_the_root(path: str) -> None:
    expected = None if path in WINDOWS_TRAPS else werkzeug_safe_join("/static", path)
    assert safe_join("/static", path) == expected
    # Also as a later argument, and after a folder.
    if expected is not None:
        expected = werkzeug_safe_join("/static", "sub", path)
    assert safe_join("/static", "sub", path) == expected


def test_safe_join_table_covers_both_answers() -> None:
    # The table is only worth something if Werkzeug accepts some ".." paths
    # and refuses the ones that leave the root.
    answers = {path: werkzeug_safe_join("/static", path) for path in SAFE_JOIN_TABLE}
    assert answers["a/../b"] == "/static/b"
    assert answers["a/../../b"] is None


def test_send_from_directory_serves_a_normalised_path(tree: Path) -> None:
    response = send_from_directory(tree / "static", "sub/../hello.txt", create_environ())
    response.direct_passthrough = False
    assert response.get_data() == b"hello"
    response.close()
    with pytest.raises(NotFound):
        send_from_directory(tree / "static", "sub/../../secret.txt", create_environ())


@pytest.mark.parametrize("prefix", ["/static", "/bp/static"])
def test_symlink_inside_the_root_is_served(
    static_app: Kolben, make_client: MakeClient, prefix: str
) -> None:
    with make_client(static_app).get(f"{prefix}/inside.txt") as response:
        assert response.status_code == 200
        assert response.data == b"hello"


_WINDOWS_RESERVED = re.compile(
    r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?", re.IGNORECASE
)
_PIECES = [
    "a", "b.txt", ".", "..", "...", "/", "//", "\\", ":", "C:", "c:", "con", "NUL.txt", "aux",
    "lpt1", "\x00", " ", ".", "%2e", "?", "\\\\?\\", "UNC", "x.", "x ",
]  # fmt: skip


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), max_size=3))
def test_accepted_paths_stay_inside_under_windows_rules(parts: list[str]) -> None:
    root = "C:\\srv\\static"
    result = safe_join(root, *parts)
    if result is None:
        return
    # Read the result as Windows would: "/" and "\" both separate, drive
    # letters and UNC prefixes are special, device names are reserved in
    # every folder, and trailing dots and spaces are dropped.
    normalized = ntpath.normpath(result)
    assert normalized == root or normalized.startswith(root + "\\")
    assert ntpath.splitdrive(normalized)[0] == "C:"
    for segment in normalized[len(root) :].split("\\"):
        assert ":" not in segment
        assert "\x00" not in segment
        stem = segment.rstrip(". ")
        assert stem == segment or segment in (".", "..")
        assert not _WINDOWS_RESERVED.fullmatch(stem)


def test_refusals_do_not_depend_on_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    here = {case: safe_join("/static", path) for case, path in HOSTILE.items()}
    monkeypatch.setattr(os, "sep", "\\")
    monkeypatch.setattr(os, "altsep", "/")
    monkeypatch.setattr(os.path, "sep", "\\")
    monkeypatch.setattr(os.path, "altsep", "/")
    assert {case: safe_join("/static", path) for case, path in HOSTILE.items()} == here


# -- ranges ------------------------------------------------------------------------------

RANGE_CASES: dict[str, tuple[str, str | None, int, t.Any]] = {
    # id: (url, Range, status, expected Content-Range or part count)
    "single": ("/static/big.bin", "bytes=10-19", 206, "bytes 10-19/1048576"),
    "suffix": ("/static/big.bin", "bytes=-5", 206, "bytes 1048571-1048575/1048576"),
    "several": ("/static/big.bin", "bytes=0-9,5000-5009,-10", 206, 3),
    "overlapping": ("/static/big.bin", "bytes=0-99,50-149,100-199", 206, "bytes 0-199/1048576"),
    "overlapping-to-whole": ("/static/big.bin", "bytes=0-,0-,0-,500-", 200, None),
    "many-close": ("/static/big.bin", "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 200, 2)),
                   206, "bytes 0-198/1048576"),
    "many-apart": ("/static/big.bin", "bytes=" + ",".join(
        f"{i * 1000}-{i * 1000}" for i in range(100)), 206, 100),
    "too-many": ("/static/big.bin", "bytes=" + ",".join(
        f"{i * 1000}-{i * 1000}" for i in range(101)), 200, None),
    "unsatisfiable": ("/static/big.bin", "bytes=2000000-", 416, "bytes */1048576"),
    "all-unsatisfiable": ("/static/big.bin", "bytes=2000000-,3000000-3000001", 416,
                          "bytes */1048576"),
    "partly-satisfiable": ("/static/big.bin", "bytes=2000000-,0-0", 206, "bytes 0-0/1048576"),
    "malformed": ("/static/big.bin", "bytes=9-1", 200, None),
    "other-unit": ("/static/big.bin", "lines=0-1", 200, None),
    "blueprint": ("/bp/static/big.bin", "bytes=0-0,1000-1000", 206, 2),
    "file-object": ("/file", "bytes=0-0,1000-1000", 206, 2),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RANGE_CASES))
def test_range_answers(static_app: Kolben, make_client: MakeClient, case: str) -> None:
    url, header, status, expected = RANGE_CASES[case]
    headers = {"Range": header} if header else {}
    with make_client(static_app).get(url, headers=headers) as response:
        assert response.status_code == status
        data = response.data
        assert int(response.headers["Content-Length"]) == len(data)
        if status == 200:
            assert data == BIG
        elif status == 416:
            assert response.headers["Content-Range"] == expected
        elif isinstance(expected, str):
            assert response.headers["Content-Range"] == expected
            start, stop = map(int, expected.split()[1].split("/")[0].split("-"))
            assert data == BIG[start : stop + 1]
        else:
            assert response.mimetype == "multipart/byteranges"
            boundary = response.mimetype_params["boundary"].encode()
            assert data.count(b"--" + boundary) == expected + 1


def test_stale_if_range_gives_the_whole_file(static_app: Kolben, make_client: MakeClient) -> None:
    headers = {"Range": "bytes=0-9,100-109", "If-Range": '"not-the-etag"'}
    with make_client(static_app).get("/static/big.bin", headers=headers) as response:
        assert response.status_code == 200
        assert response.data == BIG


@pytest.mark.parametrize(
    "header",
    [
        "bytes=" + ",".join(["0-"] * 100),
        "bytes=" + ",".join(["-1048576"] * 100),
        "bytes=" + ",".join(f"{i}-" for i in range(100)),
        "bytes=" + ",".join(f"{i * 10}-{i * 10 + 5000}" for i in range(100)),
    ],
    ids=["same-whole-range", "same-suffix", "nested-open", "overlapping-windows"],
)
def test_hostile_ranges_cost_at_most_the_file(
    static_app: Kolben, make_client: MakeClient, header: str
) -> None:
    # 100 overlapping ranges of a 1 MiB file would be a 100 MiB answer if
    # sent as asked; merged, the answer is never larger than the file.
    start = time.perf_counter()
    with make_client(static_app).get("/static/big.bin", headers={"Range": header}) as response:
        assert response.status_code in (200, 206)
        assert len(response.data) <= len(BIG)
    assert time.perf_counter() - start < 5.0


# -- conditional requests -----------------------------------------------------------------


def _validators(client: KolbenClient, url: str) -> tuple[str, str]:
    with client.get(url) as response:
        return response.headers["ETag"], response.headers["Last-Modified"]


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("if-none-match", 304),
        ("if-none-match-weak", 304),
        ("if-none-match-star", 304),
        ("if-none-match-other", 200),
        ("if-none-match-list", 304),
        ("if-modified-since-same", 304),
        ("if-modified-since-later", 304),
        ("if-modified-since-earlier", 200),
        ("if-none-match-wins-over-date", 200),
        ("if-match-other", 412),
        ("if-match-same", 200),
        ("if-unmodified-since-earlier", 412),
    ],
)
def test_conditional_answers(
    static_app: Kolben, make_client: MakeClient, case: str, status: int
) -> None:
    client = make_client(static_app)
    etag, last_modified = _validators(client, "/static/hello.txt")
    modified = os.stat(Path(static_app.static_folder or "") / "hello.txt").st_mtime
    headers = {
        "if-none-match": {"If-None-Match": etag},
        "if-none-match-weak": {"If-None-Match": f"W/{etag}"},
        "if-none-match-star": {"If-None-Match": "*"},
        "if-none-match-other": {"If-None-Match": '"other"'},
        "if-none-match-list": {"If-None-Match": f'"a", {etag}, "b"'},
        "if-modified-since-same": {"If-Modified-Since": last_modified},
        "if-modified-since-later": {"If-Modified-Since": http_date(modified + 3600)},
        "if-modified-since-earlier": {"If-Modified-Since": http_date(modified - 3600)},
        # RFC 9110 13.1.3: If-Modified-Since is ignored when If-None-Match is sent.
        "if-none-match-wins-over-date": {
            "If-None-Match": '"other"',
            "If-Modified-Since": last_modified,
        },
        "if-match-other": {"If-Match": '"other"'},
        "if-match-same": {"If-Match": etag},
        "if-unmodified-since-earlier": {"If-Unmodified-Since": http_date(modified - 3600)},
    }[case]
    with client.get("/static/hello.txt", headers=headers) as response:
        assert response.status_code == status
        if status == 304:
            assert response.data == b""
            assert response.headers["ETag"] == etag
        elif status == 200:
            assert response.data == b"hello"


def test_conditional_send_file_object_with_etag(
    static_app: Kolben, make_client: MakeClient
) -> None:
    client = make_client(static_app)
    with client.get("/file", headers={"If-None-Match": '"fixed"'}) as response:
        assert response.status_code == 304
    with client.get("/file", headers={"If-None-Match": '"stale"'}) as response:
        assert response.status_code == 200
        assert len(response.data) == len(BIG)


# -- header values and redirects -----------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b"])
@pytest.mark.parametrize(
    "how",
    ["redirect", "headers-set", "headers-add", "constructor", "location", "content-type",
     "send-file-name"],
)  # fmt: skip
def test_control_characters_in_header_values_are_refused(how: str, bad: str) -> None:
    def attempt() -> None:
        if how == "redirect":
            redirect(f"/next{bad}")
        elif how == "headers-set":
            Response().headers["X-Test"] = bad
        elif how == "headers-add":
            Response().headers.add("X-Test", "ok", param=bad)
        elif how == "constructor":
            Response(headers={"X-Test": bad})
        elif how == "location":
            Response().location = bad
        elif how == "content-type":
            Response().content_type = f"text/plain; x={bad}"
        else:
            send_file(io.BytesIO(b"x"), create_environ(), download_name=f"{bad}.txt")

    with pytest.raises(ValueError):
        attempt()


def test_redirect_to_another_host_is_sent_as_given(
    static_app: Kolben, make_client: MakeClient
) -> None:
    @static_app.route("/go")
    def go() -> Response:
        # Documented in kolben.utils.redirect: "//evil.example" is another
        # host to a browser; never redirect to an unchecked user value.
        return redirect("//evil.example/path")

    with make_client(static_app).get("/go") as response:
        assert response.status_code == 302
        assert response.headers["Location"] == "//evil.example/path"
        assert response.headers.getlist("Location") == ["//evil.example/path"]
    assert "//evil.example" in (utils_redirect.__doc__ or "")
