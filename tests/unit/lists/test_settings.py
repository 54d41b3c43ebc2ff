"""The lists' and screening's settings, read from node.toml and the environment."""

from __future__ import annotations

import pytest

from enforce_share.config import load_config
from enforce_share.errors import ConfigError


def test_list_urls_and_destinations_come_from_the_node_file(tmp_path, monkeypatch) -> None:
    (tmp_path / "node.toml").write_text(
        '[node]\nagency = "GBR"\nlists_refresh = 3600\n'
        'list_urls = {ofac-sdn = ["https://x.example/sdn.csv", "https://x.example/alt.csv"], '
        'un = "https://x.example/un.xml"}\n', encoding="utf-8")
    monkeypatch.setenv("ENFORCE_SHARE_SANCTIONED_DESTINATIONS", "ru, by")
    config = load_config(tmp_path)
    assert dict(config.list_urls) == {"ofac-sdn": ("https://x.example/sdn.csv",
                                                   "https://x.example/alt.csv"),
                                      "un": ("https://x.example/un.xml",)}
    assert config.lists_refresh == 3600 and config.sanctioned_destinations == ("RU", "BY")
    assert config.inbox == tmp_path / "lists-inbox"
    hash(config)  # a Config stays hashable


@pytest.mark.parametrize("line, problem", [
    ('sanctioned_destinations = ["Russia"]', "alpha-2"),
    ("list_urls = {un = 5}", "list_urls"),
    ("lists_refresh = -1", "lists_refresh"),
    ('public_rate_limit = "lots"', "public_rate_limit"),
])
def test_a_bad_setting_is_refused_naming_it(tmp_path, line: str, problem: str) -> None:
    (tmp_path / "node.toml").write_text(f'[node]\nagency = "GBR"\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_config(tmp_path)
