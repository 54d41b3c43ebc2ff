"""Every response's headers and request id; body limits; rate limits; production refusals."""

from __future__ import annotations

import logging
import os
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from enforce_share.app import create_app
from enforce_share.config import load_config
from enforce_share.errors import ConfigError
from enforce_share.records.models import Record

from ..conftest import client_as, token_for

HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("method, path, body, status", [
    ("GET", "/api/v1/node", None, 200),
    ("GET", "/api/v1/openapi.json", None, 200),
    ("GET", "/api/v1/records/nope", None, 404),
    ("POST", "/api/v1/records", "x", 415),
    ("POST", "/api/v1/records", {}, 422),
    ("GET", "/api/v1/records", None, 200),
])
def test_every_response_carries_the_security_headers(client, method, path, body,
                                                     status) -> None:
    if isinstance(body, str):
        response = client.open(path, method=method, data=body, content_type="text/plain")
    else:
        response = client.open(path, method=method, json=body)
    assert response.status_code == status
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_over_https(client) -> None:
    response = client.get("/api/v1/node", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_sane_request_id_is_echoed_an_odd_one_replaced(client) -> None:
    assert client.get("/api/v1/node", headers={"X-Request-ID": "abc-123"}).headers[
        "X-Request-ID"] == "abc-123"
    replaced = client.get("/api/v1/node", headers={"X-Request-ID": "<script>"})
    assert len(replaced.headers["X-Request-ID"]) == 32 and "<" not in replaced.headers[
        "X-Request-ID"]


def test_errors_carry_the_request_id_and_log_it(client, anonymous, caplog) -> None:
    missing = client.get("/api/v1/records/nope", headers={"X-Request-ID": "trace-1"})
    assert missing.json["error"]["request_id"] == "trace-1"
    with caplog.at_level(logging.WARNING, logger="enforce_share.audit"):
        anonymous.get("/api/v1/records", headers={"X-Request-ID": "trace-2"})
    (refused,) = [r for r in caplog.records if r.name == "enforce_share.audit"]
    assert refused.request_id == "trace-2"  # every log record has it, for log formats


def test_json_nested_too_deep_is_a_400_naming_the_body(client) -> None:
    for levels in (33, 100_000):
        response = client.post("/api/v1/records", data=nested(levels),
                               content_type="application/json")
        assert response.status_code == 400, levels
        assert "body" in response.json["error"]["fields"]
    at_limit = client.post("/api/v1/records", data=nested(32), content_type="application/json")
    assert at_limit.status_code == 422  # parsed: only the schema refuses it


@pytest.mark.parametrize("path", ["/api/v1/records", "/api/v1/searches", "/api/v1/session"])
def test_a_number_longer_than_python_converts_is_a_400_naming_the_body(client, node,
                                                                        path) -> None:
    """Python refuses integers of over 4,300 digits with a ValueError that is no
    JSONDecodeError: the API answered 500 (issue 17)."""
    with node.reading() as session:
        before = session.scalar(select(func.count()).select_from(Record))
    body = ('{"type": "actor", "marking": {"tlp": "green", "releasable_to": ["GBR"]}, '
            '"body": {"kind": "company", "name": "A", "countries": ["AM"], "identifiers": [], '
            '"n": ' + "7" * 5000 + "}}")
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json["error"]["fields"]
    with node.reading() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == before


def test_every_json_endpoint_wants_json(anonymous) -> None:
    response = anonymous.post("/api/v1/session", data="name=a&password=b",
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Content-Type" in response.json["error"]["fields"]


@pytest.fixture
def limited(node):
    """The node's app with a limit of 3 requests a minute per token."""
    app = create_app(replace(node.config, rate_limit="3 per minute"))
    app.config["TESTING"] = True
    yield app
    app.extensions["enforce_share"].close()


def test_a_token_over_its_rate_gets_429_with_retry_after(limited, node) -> None:
    greedy = client_as(limited, token_for(node, "greedy", "analyst"))
    assert [greedy.get("/api/v1/records").status_code for _ in range(3)] == [200] * 3
    refused = greedy.get("/api/v1/records")
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    other = client_as(limited, token_for(node, "patient", "analyst"))
    assert other.get("/api/v1/records").status_code == 200  # a bucket of its own


def test_junk_credentials_count_against_their_address_not_a_bucket_each(limited,
                                                                         node) -> None:
    """The limit was keyed on whatever Authorization header came: a new junk header per
    request was never limited (issue 17). Only a token that checks out has a bucket of
    its own; junk, guessed and wrong tokens all count against the address."""
    honest = client_as(limited, token_for(node, "honest", "analyst"))
    assert honest.get("/api/v1/records").status_code == 200
    junk = [limited.test_client().get("/api/v1/records", headers={
        "Authorization": header}).status_code for header in (
        "Bearer junk-1", "Bearer es_0123456789abcdef_" + "x" * 43, "Basic Zm9vOmJhcg==",
        "Bearer junk-2", "Bearer junk-3")]
    assert junk[:3] == [401] * 3 and junk[3:] == [429] * 2  # one bucket: the address's
    assert [honest.get("/api/v1/records").status_code for _ in range(2)] == [200] * 2
    assert honest.get("/api/v1/records").status_code == 429  # its own three, then no more


def test_an_unreadable_rate_is_a_config_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENFORCE_SHARE_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="rate_limit"):
        load_config(tmp_path)


def test_production_refuses_debug_mode(node, monkeypatch) -> None:
    monkeypatch.setenv("ENFORCE_SHARE_ENV", "production")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debug"):
        create_app(node.config)


def test_production_refuses_a_key_others_may_read(node, monkeypatch) -> None:
    monkeypatch.setenv("ENFORCE_SHARE_ENV", "production")
    create_app(node.config).extensions["enforce_share"].close()  # 0600 keys: starts
    (key_file,) = node.config.keys_dir.iterdir()
    os.chmod(key_file, 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        create_app(node.config)
