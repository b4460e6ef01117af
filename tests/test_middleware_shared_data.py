"""``SharedDataMiddleware``: files from folders, files and packages, WSGI and ASGI (API.md 21)."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys
import typing as t
import zipfile
from collections.abc import Callable

import pytest

from asgi_tools import Recorder, call, http_scope
from kolben import Kolben
from kolben.middleware.shared_data import SharedDataMiddleware
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


def fetch(client: KolbenClient, path: str, method: str = "GET", **kwargs: t.Any) -> t.Any:
    """Make a request, read the body and close the response (files are open until then)."""
    with client.open(path, method=method, **kwargs) as response:
        response.get_data()
    return response


@pytest.fixture
def site(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "public"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: red }")
    (root / "data.unknownext").write_bytes(b"\x00\x01")
    (root / "secret.key").write_text("do not serve")
    (root / "héllo.txt").write_text("unicode name")
    (tmp_path / "outside.txt").write_text("outside")
    (tmp_path / "public1").mkdir()
    (tmp_path / "public1" / "x.txt").write_text("sibling")
    (tmp_path / "favicon.ico").write_bytes(b"ICO")
    try:
        (root / "escape.txt").symlink_to(tmp_path / "outside.txt")
    except OSError:  # pragma: no cover - no symlinks on this platform
        pass
    return tmp_path


def _app(site: pathlib.Path, **kwargs: t.Any) -> Kolben:
    app = Kolben("shared_app", static_folder=None)
    app.testing = True

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def fallback(path: str) -> tuple[str, int]:
        return f"app {path}", 404

    exports = {
        "/static": str(site / "public"),
        "/favicon.ico": str(site / "favicon.ico"),
    }
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, exports, **kwargs)  # type: ignore[method-assign]
    app.asgi_app = SharedDataMiddleware(app.asgi_app, exports, **kwargs)  # type: ignore[method-assign]
    return app


def test_serves_files_with_caching_headers(site: pathlib.Path, make_client: MakeClient) -> None:
    client = make_client(_app(site))
    response = fetch(client, "/static/css/site.css")
    assert response.status_code == 200
    assert response.data == b"body { color: red }"
    assert response.mimetype == "text/css"
    assert response.headers["Content-Length"] == str(len(b"body { color: red }"))
    assert response.headers["Last-Modified"]
    assert response.cache_control.public
    assert response.cache_control.max_age == 43200
    etag = response.headers["ETag"]
    again = fetch(client, "/static/css/site.css", headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    part = fetch(client, "/static/css/site.css", headers={"Range": "bytes=0-3"})
    assert (part.status_code, part.data) == (206, b"body")
    head = fetch(client, "/static/css/site.css", "HEAD")
    assert (head.status_code, head.data) == (200, b"")
    assert head.headers["Content-Length"] == str(len(b"body { color: red }"))


def test_names_and_types(site: pathlib.Path, make_client: MakeClient) -> None:
    client = make_client(_app(site, fallback_mimetype="application/x-test"))
    assert fetch(client, "/static/data.unknownext").mimetype == "application/x-test"
    assert fetch(client, "/static/h%C3%A9llo.txt").text == "unicode name"
    assert fetch(client, "/favicon.ico").data == b"ICO"
    # A single file is served at its own URL only.
    assert fetch(client, "/favicon.ico/x").text == "app favicon.ico/x"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../outside.txt",
        "/static/%2e%2e/outside.txt",
        "/static/css/../../outside.txt",
        "/static/..%2Foutside.txt",
        "/static/%2Fetc/passwd",
        "/static/..\\outside.txt",
        "/static/C:/Windows/win.ini",
        "/static/css/nul.txt",
        "/static/escape.txt",
        "/static1/x.txt",
        "/static/../public1/x.txt",
        "/static/",
        "/static",
        "/static/css",
        "/static/missing.css",
    ],
)
def test_never_leaves_the_folder(site: pathlib.Path, make_client: MakeClient, path: str) -> None:
    response = fetch(make_client(_app(site)), path)
    assert response.text.startswith("app ")
    assert response.status_code == 404


def test_other_methods_go_to_the_app(site: pathlib.Path, make_client: MakeClient) -> None:
    response = fetch(make_client(_app(site)), "/static/css/site.css", "POST")
    assert response.text == "app static/css/site.css"


def test_disallow_pattern(site: pathlib.Path, make_client: MakeClient) -> None:
    client = make_client(_app(site, disallow="*.key"))
    assert fetch(client, "/static/secret.key").text == "app static/secret.key"
    assert fetch(client, "/static/css/site.css").status_code == 200


def test_without_cache(site: pathlib.Path, make_client: MakeClient) -> None:
    response = fetch(make_client(_app(site, cache=False)), "/static/css/site.css")
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert response.cache_control.no_cache


def test_exports_as_pairs_keep_their_order(site: pathlib.Path, make_client: MakeClient) -> None:
    (site / "first").mkdir()
    (site / "first" / "a.txt").write_text("first")
    (site / "second").mkdir()
    (site / "second" / "a.txt").write_text("second")
    (site / "second" / "b.txt").write_text("second b")
    app = Kolben("pairs", static_folder=None)
    app.wsgi_app = SharedDataMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, [("/f", str(site / "first")), ("/f", str(site / "second"))]
    )
    app.asgi_app = SharedDataMiddleware(  # type: ignore[method-assign]
        app.asgi_app, [("/f", str(site / "first")), ("/f", str(site / "second"))]
    )
    client = make_client(app)
    assert fetch(client, "/f/a.txt").text == "first"
    assert fetch(client, "/f/b.txt").text == "second b"


# -- package exports ---------------------------------------------------------------------


def _make_package(where: pathlib.Path, name: str) -> None:
    package = where / name
    (package / "assets" / "js").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "assets" / "js" / "app.js").write_text("console.log(1)")
    (package / "secret.py").write_text("TOKEN = 1")


def test_package_export(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    _make_package(tmp_path, "shared_pkg_on_disk")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Kolben("pkg", static_folder=None)
    exports = {"/assets": ("shared_pkg_on_disk", "assets")}
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, exports)  # type: ignore[method-assign]
    app.asgi_app = SharedDataMiddleware(app.asgi_app, exports)  # type: ignore[method-assign]
    client = make_client(app)
    response = fetch(client, "/assets/js/app.js")
    assert (response.status_code, response.text) == (200, "console.log(1)")
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert fetch(client, "/assets/../secret.py").status_code == 404


def test_zipped_package_export(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    _make_package(tmp_path / "src", "shared_pkg_zipped")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in (tmp_path / "src").rglob("*"):
            if file.is_file():
                zf.write(file, file.relative_to(tmp_path / "src").as_posix())
    monkeypatch.syspath_prepend(str(archive))
    monkeypatch.delitem(sys.modules, "shared_pkg_zipped", raising=False)
    app = Kolben("zipped", static_folder=None)
    exports = {"/z": ("shared_pkg_zipped", "assets")}
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, exports)  # type: ignore[method-assign]
    app.asgi_app = SharedDataMiddleware(app.asgi_app, exports)  # type: ignore[method-assign]
    client = make_client(app)
    response = fetch(client, "/z/js/app.js")
    assert (response.status_code, response.text) == (200, "console.log(1)")
    etag = response.headers["ETag"]
    assert fetch(client, "/z/js/app.js", headers={"If-None-Match": etag}).status_code == 304
    for bad in ("/z/../secret.py", "/z/js/../../secret.py", "/z/js", "/z/missing.js"):
        assert fetch(client, bad).status_code == 404, bad


# -- raw ASGI ----------------------------------------------------------------------------


def test_asgi_large_file_and_pass_through(site: pathlib.Path) -> None:
    big = os.urandom(700_000)
    (site / "public" / "big.bin").write_bytes(big)
    inner = Recorder("inner")
    shared = SharedDataMiddleware(inner, {"/static": str(site / "public")})
    assert asyncio.iscoroutinefunction(shared.__call__)
    result = call(shared, http_scope("/static/big.bin"))
    assert result.status == 200
    assert result.body == big
    assert result.headers["content-length"] == str(len(big))
    assert not inner.scopes
    assert call(shared, http_scope("/other")).body == b"inner"
    assert call(shared, http_scope("/static/big.bin", method="PUT")).body == b"inner"
    # Mounted under a root path: only the path below it is looked up.
    mounted = call(shared, http_scope("/site/static/css/site.css", root_path="/site"))
    assert mounted.body == b"body { color: red }"
