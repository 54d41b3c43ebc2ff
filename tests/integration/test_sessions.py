"""Web sessions: password sign-in, a Secure HttpOnly SameSite cookie, CSRF on changes."""

from __future__ import annotations

import pytest

from enforce_share.audit import trail

PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser(app, node):
    """A browser-like client over HTTPS (the session cookie is Secure), and a user."""
    node.add_user("ivy", "analyst", PASSWORD)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def sign_in(browser, name="ivy", password=PASSWORD):
    return browser.post("/api/v1/session", json={"name": name, "password": password})


def test_signing_in_sets_a_strict_cookie_and_returns_the_csrf_token(browser) -> None:
    response = sign_in(browser)
    assert response.status_code == 201
    assert response.json["user"] == "ivy" and len(response.json["csrf_token"]) >= 40
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("es_session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict"):
        assert attribute in cookie
    assert browser.get("/api/v1/records").status_code == 200


def test_changes_need_the_csrf_token(browser, drafts) -> None:
    csrf = sign_in(browser).json["csrf_token"]
    draft = drafts.payload("actor")
    refused = browser.post("/api/v1/records", json=draft)
    assert refused.status_code == 403 and "CSRF" in refused.json["error"]["message"]
    wrong = browser.post("/api/v1/records", json=draft, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    accepted = browser.post("/api/v1/records", json=draft, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


@pytest.mark.parametrize("name, password", [("ivy", "wrong password!!"), ("nobody", PASSWORD)])
def test_a_failed_sign_in_says_nothing_more_and_is_audited(browser, node, name,
                                                           password) -> None:
    response = sign_in(browser, name, password)
    assert response.status_code == 401
    assert response.json["error"]["message"] == "Invalid user name or password"
    with node.reading() as session:
        (entry,) = list(trail.entries(session, limit=1))
    assert (entry.actor, entry.action, entry.outcome) == (name, "sign in", "401")
    assert password not in entry.target
    assert browser.get("/api/v1/records").status_code == 401


def test_signing_out_ends_the_session(browser) -> None:
    csrf = sign_in(browser).json["csrf_token"]
    assert browser.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get("/api/v1/records").status_code == 401


def test_a_disabled_users_session_stops(browser, node) -> None:
    sign_in(browser)
    node.disable_user("ivy")
    assert browser.get("/api/v1/records").status_code == 401


def test_failed_sign_ins_are_limited_per_name_and_per_address(browser, node) -> None:
    """Each wrong password costs an argon2 check: a flood of them slowed every other
    request from 10 ms to 400 ms, and a name could be guessed at for ever (issue 17)."""
    node.add_user("jan", "analyst", PASSWORD)
    for _ in range(5):
        assert sign_in(browser, "ivy", "wrong password!!").status_code == 401
    waiting = sign_in(browser, "ivy")  # the right password too, once a name is guessed at
    assert waiting.status_code == 429 and waiting.json["error"]["code"] == "rate_limited"
    assert "name" in waiting.json["error"]["fields"] and int(waiting.headers["Retry-After"]) > 0
    assert sign_in(browser, "jan").status_code == 201  # another name from the same address
    for number in range(15):  # names tried from one address, a few each
        assert sign_in(browser, f"guess{number}", "wrong password!!").status_code == 401
    refused = sign_in(browser, "jan")
    assert refused.status_code == 429 and "address" in refused.json["error"]["fields"]


def test_passwords_are_stored_as_argon2id_hashes(node, browser) -> None:
    from enforce_share.access.models import User

    with node.reading() as session:
        stored = session.get(User, "ivy").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
