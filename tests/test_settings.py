"""Settings: the Datadog keys from DD_API_KEY or from the file DD_API_KEY_FILE names (a mounted
Kubernetes Secret), with one line naming the file and the fix when that file cannot be used."""

from __future__ import annotations

import os

import pytest

from toolkit.cli import main
from toolkit.errors import SettingsError, ToolkitError
from toolkit.model import Settings, redact

API_KEY = "0123456789abcdef0123456789abcdef"  # a fake key in Datadog's shape (32 hex)
APP_KEY = "fedcba9876543210fedcba9876543210fedcba98"  # 40 hex
PURPOSE = "export it or run without --push"


def key_file(tmp_path, text: str | bytes, name: str = "api-key"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def problem(environ: dict) -> str:
    """The one line ``require`` raises for these settings (reading them raises nothing)."""
    settings = Settings.from_env(environ)
    with pytest.raises(SettingsError) as raised:
        settings.require("DD_API_KEY", purpose=PURPOSE)
    assert isinstance(raised.value, ToolkitError)  # the CLI prints it as one line, exit 2
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("text", [API_KEY, f"{API_KEY}\n", f"  {API_KEY}\r\n\n", f"\t{API_KEY} "])
def test_the_key_is_read_from_the_file_without_surrounding_whitespace(tmp_path, text):
    settings = Settings.from_env({"DD_API_KEY_FILE": str(key_file(tmp_path, text))})
    assert settings.api_key == API_KEY
    settings.require("DD_API_KEY", purpose=PURPOSE)  # nothing missing


def test_the_files_key_is_registered_for_redaction(tmp_path):
    key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    Settings.from_env({"DD_API_KEY_FILE": str(key_file(tmp_path, key + "\n"))})
    assert redact(f"request with {key} failed") == "request with *** failed"


def test_the_app_key_file_works_the_same_way(tmp_path):
    settings = Settings.from_env({"DD_API_KEY": API_KEY, "DD_APP_KEY_FILE": str(key_file(tmp_path, APP_KEY + "\n", "app-key"))})
    assert (settings.api_key, settings.app_key) == (API_KEY, APP_KEY)
    settings.require("DD_API_KEY", "DD_APP_KEY", purpose=PURPOSE)


def test_both_set_is_one_line_asking_for_one(tmp_path):
    file_key = "aaaabbbbccccddddeeeeffff00001111"
    message = problem({"DD_API_KEY": API_KEY, "DD_API_KEY_FILE": str(key_file(tmp_path, file_key))})
    assert message == "DD_API_KEY and DD_API_KEY_FILE are both set; set only one (unset DD_API_KEY to read the key from the file)"


def test_both_set_even_with_a_file_that_does_not_exist(tmp_path):
    message = problem({"DD_API_KEY": API_KEY, "DD_API_KEY_FILE": str(tmp_path / "absent")})
    assert "are both set; set only one" in message and API_KEY not in message


def test_a_missing_file_names_the_path_and_the_fix(tmp_path):
    path = tmp_path / "no-such-dir" / "api-key"
    message = problem({"DD_API_KEY_FILE": str(path)})
    assert message == (
        f"DD_API_KEY_FILE={str(path)!r} cannot be read (No such file or directory); "
        "point DD_API_KEY_FILE at a file holding only the key, or unset it and set DD_API_KEY"
    )


def test_a_directory_is_not_a_key_file(tmp_path):
    message = problem({"DD_API_KEY_FILE": str(tmp_path)})
    assert message.startswith(f"DD_API_KEY_FILE={str(tmp_path)!r} cannot be read (Is a directory); point DD_API_KEY_FILE at")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_names_the_path_and_never_the_key(tmp_path):
    path = key_file(tmp_path, API_KEY)
    path.chmod(0)
    try:
        message = problem({"DD_API_KEY_FILE": str(path)})
    finally:
        path.chmod(0o600)
    assert str(path) in message and "Permission denied" in message and API_KEY not in message


@pytest.mark.parametrize("text", ["", "\n", "  \r\n\t"])
def test_an_empty_file_names_the_path_and_the_fix(tmp_path, text):
    path = key_file(tmp_path, text)
    message = problem({"DD_API_KEY_FILE": str(path)})
    assert message == f"DD_API_KEY_FILE={str(path)!r} is empty; point DD_API_KEY_FILE at a file holding only the key, or unset it and set DD_API_KEY"


@pytest.mark.parametrize("text", [f"{API_KEY}\n{API_KEY}\n", f"api-key: {API_KEY}\n", f"DD_API_KEY={API_KEY} # prod\n"])
def test_a_file_holding_more_than_the_key_is_refused_without_showing_it(tmp_path, text):
    # a second line would otherwise reach the DD-API-KEY header, where httpx's error shows it escaped
    path = key_file(tmp_path, text)
    message = problem({"DD_API_KEY_FILE": str(path)})
    assert message.startswith(f"DD_API_KEY_FILE={str(path)!r} holds more than the key (whitespace inside it); ")
    assert API_KEY not in message and "api-key:" not in message


def test_a_binary_file_is_refused_without_showing_its_bytes(tmp_path):
    path = key_file(tmp_path, b"\xff\xfe" + API_KEY.encode())
    message = problem({"DD_API_KEY_FILE": str(path)})
    assert message.startswith(f"DD_API_KEY_FILE={str(path)!r} is not a text file; ")
    assert "0xff" not in message and API_KEY not in message


def test_a_huge_file_is_not_read_whole(tmp_path):
    path = key_file(tmp_path, "a" * 10_000_000)
    message = problem({"DD_API_KEY_FILE": str(path)})
    assert message.startswith(f"DD_API_KEY_FILE={str(path)!r} is over 4096 bytes, too big for a key; ")


def test_a_missing_key_names_the_key_file_as_the_alternative():
    assert problem({}) == f"DD_API_KEY is not set (nor DD_API_KEY_FILE, the path of a file holding it); {PURPOSE}"
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({}).require("DD_API_KEY", "DD_APP_KEY", purpose=PURPOSE)
    assert str(raised.value) == (
        "DD_API_KEY and DD_APP_KEY are not set (nor DD_API_KEY_FILE or DD_APP_KEY_FILE, the paths of files holding them); "
        f"{PURPOSE}"
    )


def test_a_blank_key_file_variable_is_unset(tmp_path):
    settings = Settings.from_env({"DD_API_KEY": API_KEY, "DD_API_KEY_FILE": "  "})
    assert settings.api_key == API_KEY
    settings.require("DD_API_KEY", purpose=PURPOSE)


def test_a_bad_key_file_fails_only_the_commands_that_need_the_key(tmp_path, monkeypatch, capsys):
    """Reading the environment raises nothing: `list` works, `run --push` fails first, in one line."""
    path = tmp_path / "absent"
    monkeypatch.setenv("DD_API_KEY_FILE", str(path))
    assert main(["list"]) == 0
    capsys.readouterr()
    assert main(["run", "github", "--push"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"dd-toolkit: error: DD_API_KEY_FILE={str(path)!r} cannot be read (No such file or directory); "
        "point DD_API_KEY_FILE at a file holding only the key, or unset it and set DD_API_KEY\n"
    )


def test_the_repr_of_settings_never_shows_a_key():
    from toolkit.model import Settings

    settings = Settings.from_env({"DD_API_KEY": "0123456789abcdef0123456789abcdef", "DD_APP_KEY": "fedcba9876543210fedcba9876543210fedcba98"})
    assert settings.api_key and "0123456789abcdef" not in repr(settings) and "fedcba98" not in repr(settings)
