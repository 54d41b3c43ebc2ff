"""Configuration: defaults, the node file, then the environment."""

from __future__ import annotations

import pytest

from enforce_share.config import Config, load_config, write_config
from enforce_share.errors import ConfigError


def test_defaults_use_sqlite_in_the_data_dir(tmp_path) -> None:
    config = load_config(tmp_path)
    assert config.db_url == f"sqlite:///{tmp_path.resolve() / 'node.db'}"
    assert config.max_body_bytes == 1024 * 1024


def test_node_file_is_read(tmp_path) -> None:
    write_config(Config(data_dir=tmp_path, agency="CAN"))
    assert load_config(tmp_path).agency == "CAN"


def test_environment_overrides_the_file(tmp_path, monkeypatch) -> None:
    write_config(Config(data_dir=tmp_path, agency="CAN"))
    monkeypatch.setenv("ENFORCE_SHARE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/enforce")
    monkeypatch.setenv("ENFORCE_SHARE_MAX_BODY_BYTES", "2048")
    config = load_config()
    assert (config.agency, config.db_url, config.max_body_bytes) == (
        "CAN", "postgresql+psycopg://db.example/enforce", 2048)


def test_password_urls_are_never_written_to_the_file(tmp_path) -> None:
    write_config(Config(data_dir=tmp_path, agency="AUS",
                        database_url="postgresql+psycopg://u:secret@db/x"))
    assert "secret" not in (tmp_path / "node.toml").read_text()
    assert load_config(tmp_path).database_url is None


def test_a_url_without_password_is_kept(tmp_path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    write_config(Config(data_dir=tmp_path, agency="AUS", database_url=url))
    assert load_config(tmp_path).database_url == url


@pytest.mark.parametrize("code", ["FR", "fra", "FRANCE", "F1A"])
def test_an_agency_code_not_iso_alpha3_is_an_error(tmp_path, monkeypatch, code) -> None:
    """Whether a code is a member's is the membership document's to say (members.py):
    the configuration checks its form only."""
    monkeypatch.setenv("ENFORCE_SHARE_AGENCY", code)
    with pytest.raises(ConfigError, match=code):
        load_config(tmp_path)


def test_unknown_setting_is_an_error(tmp_path) -> None:
    (tmp_path / "node.toml").write_text('[node]\nagency = "NZL"\ncolour = "blue"\n')
    with pytest.raises(ConfigError, match="colour"):
        load_config(tmp_path)


def test_missing_node_says_how_to_create_one(tmp_path) -> None:
    with pytest.raises(ConfigError, match="enforce-share init"):
        load_config(tmp_path).require_agency()
