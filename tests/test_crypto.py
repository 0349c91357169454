"""Where the data keys come from (DATA_KEY, DATA_KEY_FILE, dev's generated key in the user's config dir), and the
keys derived from them for other purposes."""
from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot import crypto
from bot.config import ConfigError, load_settings


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key in the environment, a working directory of our own (no .env, no old key file), HOME in tmp."""
    for name in ("DATA_KEY", "DATA_KEY_FILE", "XDG_CONFIG_HOME", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_dev_generates_its_key_in_the_users_config_dir(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(clean_env / "cfg"))
    first = crypto.cipher_from_settings(load_settings())
    key_file = clean_env / "cfg" / "lahitori" / "data.key"
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    token = first.encrypt("äiti")
    assert crypto.cipher_from_settings(load_settings()).decrypt(token) == "äiti", "the same key next time"
    assert not (clean_env / "work" / ".lahitori-data.key").exists(), "nothing next to the database"


def test_without_xdg_config_home_the_key_goes_to_dot_config(clean_env: Path):
    crypto.cipher_from_settings(load_settings())
    assert mode(clean_env / "home" / ".config" / "lahitori" / "data.key") == 0o600
    assert mode(clean_env / "home" / ".config" / "lahitori") == 0o700


def test_an_old_key_file_in_the_working_directory_is_kept_with_a_warning(clean_env: Path, caplog):
    old = crypto.new_key()
    (clean_env / "work" / ".lahitori-data.key").write_text(old + "\n")
    with caplog.at_level(logging.WARNING, logger="bot.crypto"):
        cipher = crypto.cipher_from_settings(load_settings())
    assert cipher.decrypt(crypto.Cipher([old.encode()]).encrypt("vanha")) == "vanha"
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.crypto"]
    assert len(warnings) == 1 and "move it to" in warnings[0] and "lahitori/data.key" in warnings[0]
    assert not (clean_env / "home" / ".config").exists()


def test_dev_generates_into_an_explicit_data_key_file(clean_env: Path):
    path = clean_env / "keys" / "dev.key"
    path.parent.mkdir()
    crypto.cipher_from_settings(load_settings(DATA_KEY_FILE=str(path)))
    assert mode(path) == 0o600


def test_production_reads_data_key_file_with_several_keys(clean_env: Path):
    new, old = crypto.new_key(), crypto.new_key()
    path = clean_env / "data.key"
    path.write_text(f"{new}\n{old}\n")
    path.chmod(0o600)
    settings = load_settings(APP_ENV="production", DATA_KEY_FILE=str(path), DATABASE_URL="postgresql://x/y")
    cipher = crypto.cipher_from_settings(settings)
    assert cipher.key_count == 2
    assert cipher.decrypt(crypto.Cipher([old.encode()]).encrypt("x")) == "x"
    assert crypto.Cipher([new.encode()]).is_current(cipher.encrypt("y")), "the first key encrypts"


def test_data_key_wins_over_data_key_file(clean_env: Path):
    key = crypto.new_key()
    settings = load_settings(APP_ENV="production", DATA_KEY=key, DATA_KEY_FILE=str(clean_env / "missing"))
    assert crypto.cipher_from_settings(settings).is_current(crypto.Cipher([key.encode()]).encrypt("z"))


@pytest.mark.parametrize(("content", "message"), [
    (None, "configuration error: DATA_KEY: not set, and DATA_KEY_FILE {path} cannot be read (No such file or "
           "directory)"),
    ("\n", "configuration error: DATA_KEY: not set, and DATA_KEY_FILE {path} is empty"),
])
def test_production_without_a_readable_key_file_is_one_line_naming_data_key(clean_env: Path, content, message):
    path = clean_env / "data.key"
    if content is not None:
        path.write_text(content)
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "production", "DATA_KEY_FILE": str(path),
           "DATABASE_URL": f"sqlite:///{clean_env}/x.db"}
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, env=env,
                            cwd=clean_env / "work")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"lahitori: {message.format(path=path)}"]


def test_production_without_either_setting_names_data_key(clean_env: Path):
    with pytest.raises(ConfigError, match="^configuration error: DATA_KEY: required when APP_ENV=production"):
        load_settings(APP_ENV="production")


def test_derived_keys_are_per_purpose_and_rotate_with_data_key():
    new, old = crypto.new_key(), crypto.new_key()
    both = crypto.Cipher([new.encode(), old.encode()])
    links = both.derived_keys("staff-link-code")
    assert len(links) == 2 and all(len(key) == 32 for key in links)
    assert links == crypto.Cipher([new.encode(), old.encode()]).derived_keys("staff-link-code"), "deterministic"
    assert links[1] == crypto.Cipher([old.encode()]).derived_keys("staff-link-code")[0], "newest first"
    assert both.derived_keys("other")[0] != links[0]
    assert new.encode() not in links and crypto.derived_keys(both, "staff-link-code") == links
    with pytest.raises(ValueError):
        both.derived_keys("")


def test_rotate_skips_what_the_newest_key_already_opens():
    new, old = crypto.new_key(), crypto.new_key()
    both = crypto.Cipher([new.encode(), old.encode()])
    under_old = crypto.Cipher([old.encode()]).encrypt("sana")
    fresh = both.rotate(under_old)
    assert fresh is not None and crypto.Cipher([new.encode()]).decrypt(fresh) == "sana"
    assert both.rotate(fresh) is None
    with pytest.raises(crypto.InvalidToken):
        both.rotate(crypto.Cipher([crypto.new_key().encode()]).encrypt("vieras"))
