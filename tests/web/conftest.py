"""Fixtures of the web pages' quick tests: browser-like test clients signed in by role."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enforce_share.node import Node

PASSWORD = "a password long enough"


class Desk:
    """A signed-in test client (over HTTPS: the session cookie is Secure) and its CSRF token."""

    def __init__(self, client: FlaskClient, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.client.post(url, data=form, **kwargs)


def signed_in(app: Flask, node: Node, name: str, role: str) -> Desk:
    """A new user of ``role`` signed in through ``POST /api/v1/session``."""
    node.add_user(name, role, PASSWORD)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    answer = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 201
    return Desk(client, answer.json["csrf_token"])


@pytest.fixture
def analyst(app: Flask, node: Node) -> Desk:
    return signed_in(app, node, "ana", "analyst")


@pytest.fixture
def liaison(app: Flask, node: Node) -> Desk:
    return signed_in(app, node, "lia", "liaison")


@pytest.fixture
def admin(app: Flask, node: Node) -> Desk:
    return signed_in(app, node, "adm", "admin")
