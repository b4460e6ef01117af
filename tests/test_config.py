"""Tests for kolben.config (Config, ConfigAttribute) and kolben._imports."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import sys
import textwrap
import typing as t
from collections.abc import Iterator

import pytest

from kolben._imports import ImportStringError, import_string
from kolben.config import Config, ConfigAttribute

# --- helpers -------------------------------------------------------------------


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove stray KOLBEN_/FLASK_ variables so env tests see only their own."""
    for name in list(os.environ):
        if name.startswith(("KOLBEN_", "FLASK_")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def settings_module(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable package ``kolben_cfg_pkg`` with a settings module."""
    name = f"kolben_cfg_pkg_{abs(hash(str(tmp_path)))}"
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    write(
        pkg / "settings.py",
        """
        DEBUG = True
        SECRET_KEY = "from-module"
        lower_case = "ignored"

        class Base:
            DATABASE = "sqlite://"
            POOL = 5

        class Production(Base):
            POOL = 20
            _private = 1

            class Nested:
                VALUE = "deep"
        """,
    )
    write(pkg / "broken.py", "import kolben_no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for mod in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[mod]


# --- Config basics ----------------------------------------------------------------


def test_config_is_a_dict_with_root_path_and_defaults(tmp_path: pathlib.Path) -> None:
    defaults = {"DEBUG": False, "X": 1}
    config = Config(tmp_path, defaults)
    assert isinstance(config, dict)
    assert config == defaults
    assert config.root_path == tmp_path
    config["X"] = 2
    assert defaults["X"] == 1, "defaults must be copied, not aliased"
    assert Config("/") == {}


def test_repr_names_the_class() -> None:
    class MyConfig(Config):
        pass

    assert repr(Config("/", {"A": 1})) == "<Config {'A': 1}>"
    assert repr(MyConfig("/")) == "<MyConfig {}>"


# --- from_mapping / from_object ---------------------------------------------------


def test_from_mapping_keeps_upper_case_keys_and_kwargs_win() -> None:
    config = Config("/")
    assert config.from_mapping({"A": 1, "b": 2, "C": 3}, C=4, d=5, E_2=6) is True
    assert config == {"A": 1, "C": 4, "E_2": 6}
    assert config.from_mapping() is True
    assert config.from_mapping(None, Z=0) is True
    assert config["Z"] == 0


def test_from_object_reads_upper_case_attributes_including_inherited(
    settings_module: str,
) -> None:
    import importlib

    settings = importlib.import_module(f"{settings_module}.settings")
    config = Config("/")
    config.from_object(settings.Production)
    assert config == {"DATABASE": "sqlite://", "POOL": 20}

    config = Config("/")
    config.from_object(settings.Production())
    assert config["POOL"] == 20

    config = Config("/")
    config.from_object(settings)
    assert config["DEBUG"] is True
    assert config["SECRET_KEY"] == "from-module"
    assert "lower_case" not in config


@pytest.mark.parametrize("sep", [".", ":"])
def test_from_object_accepts_an_import_string(settings_module: str, sep: str) -> None:
    config = Config("/")
    config.from_object(f"{settings_module}.settings{sep}Production")
    assert config["POOL"] == 20
    config = Config("/")
    config.from_object(f"{settings_module}.settings")
    assert config["SECRET_KEY"] == "from-module"


def test_from_object_with_a_bad_import_string_says_what_failed(settings_module: str) -> None:
    with pytest.raises(ImportError, match="Staging"):
        Config("/").from_object(f"{settings_module}.settings.Staging")


# --- from_pyfile ------------------------------------------------------------------


def test_from_pyfile_executes_the_file_relative_to_root_path(tmp_path: pathlib.Path) -> None:
    write(
        tmp_path / "settings.py",
        """
        import os
        SECRET_KEY = "s3cr3t"
        HERE = os.path.dirname(__file__)
        COMPUTED = [n * 2 for n in range(3)]
        lowercase = True
        """,
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert config == {"SECRET_KEY": "s3cr3t", "HERE": str(tmp_path), "COMPUTED": [0, 2, 4]}


def test_from_pyfile_accepts_absolute_and_pathlike(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "cfg.py", "A = 1\n")
    config = Config("/somewhere/else")
    assert config.from_pyfile(str(path)) is True
    assert config.from_pyfile(path) is True
    assert config == {"A": 1}
    config = Config(tmp_path)
    assert config.from_pyfile(pathlib.Path("cfg.py")) is True
    assert config == {"A": 1}


def test_from_pyfile_missing_file_raises_with_a_clear_message(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        Config(tmp_path).from_pyfile("missing.py")
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(tmp_path / "missing.py")
    assert "Unable to load configuration file (" in str(info.value)


def test_from_pyfile_silent_forgives_missing_files(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a_dir").mkdir()
    write(tmp_path / "plain.txt", "x")
    config = Config(tmp_path)
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config.from_pyfile("a_dir", silent=True) is False  # EISDIR
    assert config.from_pyfile("plain.txt/child.py", silent=True) is False  # ENOTDIR
    assert config == {}


def test_from_pyfile_silent_still_reports_other_os_errors(tmp_path: pathlib.Path) -> None:
    too_long = "x" * 5000 + ".py"  # ENAMETOOLONG is not "file is missing"
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        Config(tmp_path).from_pyfile(too_long, silent=True)
    assert info.value.errno == errno.ENAMETOOLONG


def test_from_pyfile_errors_in_the_file_propagate_unchanged(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "syntax.py", "A = (\n")
    write(tmp_path / "raises.py", "open('/definitely/not/here/kolben')\n")
    config = Config(tmp_path)
    with pytest.raises(SyntaxError):
        config.from_pyfile("syntax.py")
    # An OSError raised by the code inside the file is not relabelled, and
    # silent does not hide it: the file itself was found.
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("raises.py", silent=True)
    assert "Unable to load" not in str(info.value)


# --- from_envvar ------------------------------------------------------------------


def test_from_envvar_loads_the_named_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "env_settings.py", "FROM_ENV = 'yes'\n")
    monkeypatch.setenv("KOLBEN_TEST_SETTINGS", str(path))
    config = Config("/elsewhere")
    assert config.from_envvar("KOLBEN_TEST_SETTINGS") is True
    assert config == {"FROM_ENV": "yes"}


@pytest.mark.parametrize("value", [None, ""])
def test_from_envvar_unset_variable(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("KOLBEN_TEST_UNSET", raising=False)
    else:
        monkeypatch.setenv("KOLBEN_TEST_UNSET", value)
    config = Config("/")
    with pytest.raises(RuntimeError, match="'KOLBEN_TEST_UNSET' is not set") as info:
        config.from_envvar("KOLBEN_TEST_UNSET")
    assert "export KOLBEN_TEST_UNSET=" in str(info.value)
    assert config.from_envvar("KOLBEN_TEST_UNSET", silent=True) is False


def test_from_envvar_pointing_to_a_missing_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOLBEN_TEST_SETTINGS", str(tmp_path / "nope.py"))
    config = Config("/")
    assert config.from_envvar("KOLBEN_TEST_SETTINGS", silent=True) is False
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_envvar("KOLBEN_TEST_SETTINGS")


# --- from_file --------------------------------------------------------------------


def test_from_file_with_json(tmp_path: pathlib.Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"NAME": "Köln", "COUNT": 3, "lower": 1}), encoding="utf-8"
    )
    config = Config(tmp_path)
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"NAME": "Köln", "COUNT": 3}


def test_from_file_with_tomllib_in_binary_mode(tmp_path: pathlib.Path) -> None:
    tomllib = pytest.importorskip("tomllib")
    write(
        tmp_path / "config.toml",
        """
        SECRET_KEY = "tomlkey"
        MAX_CONTENT_LENGTH = 1024
        lowercase = "skip"

        [DATABASE]
        url = "postgres://"
        """,
    )
    config = Config(tmp_path)
    assert config.from_file("config.toml", load=tomllib.load, text=False) is True
    assert config == {
        "SECRET_KEY": "tomlkey",
        "MAX_CONTENT_LENGTH": 1024,
        "DATABASE": {"url": "postgres://"},
    }


def test_from_file_text_flag_controls_the_mode(tmp_path: pathlib.Path) -> None:
    (tmp_path / "c.json").write_text('{"A": 1}', encoding="utf-8")
    seen: list[t.Any] = []

    def load(fp: t.IO[t.Any]) -> dict[str, t.Any]:
        data = fp.read()
        seen.append(data)
        return {"A": 1}

    config = Config(tmp_path)
    config.from_file("c.json", load=load)
    config.from_file("c.json", load=load, text=False)
    assert seen == ['{"A": 1}', b'{"A": 1}']


def test_from_file_missing(tmp_path: pathlib.Path) -> None:
    config = Config(tmp_path)
    assert config.from_file("nope.json", load=json.load, silent=True) is False
    (tmp_path / "d").mkdir()
    assert config.from_file("d", load=json.load, silent=True) is False
    with pytest.raises(FileNotFoundError, match=r"Unable to load configuration file \("):
        config.from_file("nope.json", load=json.load)


# --- from_prefixed_env ------------------------------------------------------------


def test_from_prefixed_env_parses_values_as_json(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KOLBEN_STRING", "plain text")
    clean_env.setenv("KOLBEN_INT", "42")
    clean_env.setenv("KOLBEN_FLOAT", "1.5")
    clean_env.setenv("KOLBEN_BOOL", "true")
    clean_env.setenv("KOLBEN_NULL", "null")
    clean_env.setenv("KOLBEN_LIST", "[1, 2]")
    clean_env.setenv("KOLBEN_BROKEN", "[1,")
    clean_env.setenv("KOLBEN_lower", "kept")
    clean_env.setenv("OTHER_VALUE", "1")
    clean_env.setenv("KOLBENX_VALUE", "1")
    config = Config("/")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "plain text",
        "INT": 42,
        "FLOAT": 1.5,
        "BOOL": True,
        "NULL": None,
        "LIST": [1, 2],
        "BROKEN": "[1,",
        "lower": "kept",
    }


def test_from_prefixed_env_nests_on_double_underscore(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KOLBEN_DB__HOST", "localhost")
    clean_env.setenv("KOLBEN_DB__PORT", "5432")
    clean_env.setenv("KOLBEN_DB__OPTS__TIMEOUT", "3")
    clean_env.setenv("KOLBEN_EXISTING__NEW", "1")
    config = Config("/", {"EXISTING": {"OLD": 0}})
    config.from_prefixed_env()
    assert config == {
        "DB": {"HOST": "localhost", "PORT": 5432, "OPTS": {"TIMEOUT": 3}},
        "EXISTING": {"OLD": 0, "NEW": 1},
    }


def test_from_prefixed_env_applies_variables_in_sorted_order(
    clean_env: pytest.MonkeyPatch,
) -> None:
    # The environment's own order is arbitrary; sorting puts KOLBEN_A before
    # KOLBEN_A__B, so the nested value refines the dict set by KOLBEN_A.
    clean_env.setenv("KOLBEN_A__B", "2")
    clean_env.setenv("KOLBEN_A", '{"X": 1}')
    config = Config("/")
    config.from_prefixed_env()
    assert config == {"A": {"X": 1, "B": 2}}


def test_from_prefixed_env_refuses_to_nest_into_a_non_dict(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("KOLBEN_PORT__INNER", "1")
    config = Config("/", {"PORT": 80})
    with pytest.raises(TypeError, match=r"KOLBEN_PORT__INNER.*\['PORT'\].*int"):
        config.from_prefixed_env()


def test_from_prefixed_env_custom_prefix_and_loads(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", "from-flask")
    clean_env.setenv("KOLBEN_SECRET_KEY", "from-kolben")
    clean_env.setenv("MYAPP_NUMBER", "7")

    ported = Config("/")
    ported.from_prefixed_env(prefix="FLASK")
    assert ported == {"SECRET_KEY": "from-flask"}

    native = Config("/")
    native.from_prefixed_env()
    assert native == {"SECRET_KEY": "from-kolben"}

    def loads(value: str) -> t.Any:
        if value.isdigit():
            return int(value) * 10
        raise ValueError(value)

    custom = Config("/")
    custom.from_prefixed_env("MYAPP", loads=loads)
    assert custom == {"NUMBER": 70}


# --- get_namespace ---------------------------------------------------------------


def test_get_namespace() -> None:
    config = Config(
        "/",
        {"MAIL_SERVER": "smtp", "MAIL_PORT": 25, "MAILBOX": "x", "OTHER": 1},
    )
    assert config.get_namespace("MAIL_") == {"server": "smtp", "port": 25}
    assert config.get_namespace("MAIL_", lowercase=False) == {"SERVER": "smtp", "PORT": 25}
    assert config.get_namespace("MAIL_", trim_namespace=False) == {
        "mail_server": "smtp",
        "mail_port": 25,
    }
    assert config.get_namespace("MAIL_", lowercase=False, trim_namespace=False) == {
        "MAIL_SERVER": "smtp",
        "MAIL_PORT": 25,
    }
    assert config.get_namespace("NOPE_") == {}


# --- ConfigAttribute ------------------------------------------------------------


class Owner:
    testing = ConfigAttribute[bool]("TESTING")
    lifetime = ConfigAttribute[int]("LIFETIME", get_converter=int)

    def __init__(self) -> None:
        self.config = Config("/", {"TESTING": False, "LIFETIME": "30"})


def test_config_attribute_reads_and_writes_the_config() -> None:
    owner = Owner()
    assert owner.testing is False
    owner.testing = True
    assert owner.config["TESTING"] is True
    assert owner.testing is True
    owner.config["TESTING"] = False
    assert owner.testing is False


def test_config_attribute_converter_applies_on_read_only() -> None:
    owner = Owner()
    assert owner.lifetime == 30
    owner.lifetime = "45"
    assert owner.config["LIFETIME"] == "45"
    assert owner.lifetime == 45


def test_config_attribute_on_the_class_is_the_descriptor() -> None:
    descriptor = Owner.testing
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "TESTING"
    assert descriptor.get_converter is None


def test_config_attribute_missing_key_is_a_key_error() -> None:
    owner = Owner()
    del owner.config["TESTING"]
    with pytest.raises(KeyError):
        _ = owner.testing


# --- import_string ---------------------------------------------------------------


def test_import_string_forms() -> None:
    import collections
    import os.path

    assert import_string("collections") is collections
    assert import_string("os.path") is os.path
    assert import_string("collections.OrderedDict") is collections.OrderedDict
    assert import_string("collections:OrderedDict") is collections.OrderedDict
    assert import_string("collections:OrderedDict.fromkeys") == collections.OrderedDict.fromkeys
    assert import_string("collections.OrderedDict.fromkeys") == collections.OrderedDict.fromkeys
    assert import_string("  os.path.join ") is os.path.join


def test_import_string_missing_module() -> None:
    with pytest.raises(ImportStringError) as info:
        import_string("kolben_no_such_module_xyz.thing")
    err = info.value
    assert isinstance(err, ImportError)
    assert err.import_name == "kolben_no_such_module_xyz.thing"
    assert isinstance(err.exception, ModuleNotFoundError)
    assert "Could not import 'kolben_no_such_module_xyz.thing'" in str(err)
    assert "kolben_no_such_module_xyz" in str(err.exception)


def test_import_string_missing_attribute() -> None:
    with pytest.raises(ImportError, match=r"'collections' has no attribute 'Nope'"):
        import_string("collections.Nope")
    with pytest.raises(ImportError, match=r"'collections.OrderedDict' has no attribute 'nope'"):
        import_string("collections:OrderedDict.nope")


def test_import_string_does_not_mask_a_broken_module(settings_module: str) -> None:
    # The module exists but imports something missing: report that dependency.
    with pytest.raises(ImportError, match="kolben_no_such_dependency_xyz") as info:
        import_string(f"{settings_module}.broken")
    assert isinstance(info.value, ImportStringError)
    assert info.value.exception.name == "kolben_no_such_dependency_xyz"  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["", ".relative", "a..b", "collections:", ":attr", "a.:b"])
def test_import_string_rejects_malformed_names(name: str) -> None:
    with pytest.raises(ImportError):
        import_string(name)
    assert import_string(name, silent=True) is None


def test_import_string_silent_returns_none() -> None:
    assert import_string("kolben_no_such_module_xyz", silent=True) is None
    assert import_string("collections.Nope", silent=True) is None
    assert import_string("collections.OrderedDict", silent=True) is not None
