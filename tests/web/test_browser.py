"""The web interface in a real browser: Playwright driving Debian's Chromium against a real
gunicorn node holding the demo scenario, on SQLite and PostgreSQL. Each page visited is
screenshot (tests/web/browser.py: SCREENSHOTS) and checked by axe-core."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from enforce_share.demo.federation import demo_users

from ..conftest import fresh_schema
from ..processes import gunicorn_node
from .browser import CHROMIUM, Watched, sign_in
from .scenario import demo_node

pytestmark = pytest.mark.slow
HOSTILE = '<img src=x onerror="document.title=\'owned\'">Hostile {{7*7}} Trading'


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, dict, str]]:
    """A gunicorn USA node with the demo scenario: (base URL, its demo users, database)."""
    root = tmp_path_factory.mktemp(f"federation-{request.param}")
    if request.param == "sqlite":
        with gunicorn_node(demo_node(root), None, workers=2) as base:
            yield base, demo_users(root / "USA"), "sqlite"
        return
    with fresh_schema(request.getfixturevalue("postgres_url")) as url:
        with gunicorn_node(demo_node(root, database_url=url), None, workers=2) as base:
            yield base, demo_users(root / "USA"), "postgresql"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    yield context.new_page()
    context.close()


def as_user(page: Page, served, name: str) -> tuple[Watched, str]:
    base, users, database = served
    watched = Watched(page)
    sign_in(page, base, name, users[name][1])
    return watched, database


def record_links(page: Page) -> list[str]:
    """The records a results page lists, in order."""
    return [link.get_attribute("href") for link in
            page.locator("table.results tbody td:nth-child(4) a").all()]


def test_a_wrong_password_is_said_next_to_the_form_and_the_right_one_signs_in(page, served
                                                                            ) -> None:
    base, users, db = served
    desk = Watched(page)
    page.goto(f"{base}/search?q=x")
    assert "/sign-in?next=" in page.url
    desk.check(f"{db}-sign-in")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_have_text("Wrong user name or password.")
    desk.check(f"{db}-sign-in-refused", status=401)
    page.get_by_label("Password").fill(users["analyst"][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/search?q=x")  # where the person was going
    expect(page.locator(".who")).to_contain_text("analyst")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/sign-in")
    assert page.goto(f"{base}/search").url.startswith(f"{base}/sign-in")


def test_an_analyst_signs_in_searches_with_facets_and_pages(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    base = served[0]
    expect(page.get_by_role("heading", name="Saved searches")).to_be_visible()
    desk.check(f"{db}-home")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_role("checkbox", name="violation").check()
    page.get_by_role("button", name="Search", exact=True).click()
    total = int(page.locator(".total strong").inner_text())
    assert total > 25 and "type=violation" in page.url
    desk.check(f"{db}-search")
    facet = page.locator(".facet").filter(has_text="Origin").locator("a").first
    narrowed_to = int(facet.locator("xpath=following-sibling::span[1]").inner_text())
    facet.click()
    assert re.search(r"origin=[A-Z]{3}", page.url)
    assert int(page.locator(".total strong").inner_text()) == narrowed_to < total
    first_page = page.url
    titles = record_links(page)
    if narrowed_to > 25:
        page.get_by_role("link", name="Next page").click()
        assert "cursor=" in page.url
        later = record_links(page)
        assert later and not set(later) & set(titles)
        page.go_back()
        assert page.url == first_page
    shared = page.url
    page.goto(f"{base}/")
    page.goto(shared)  # the URL holds the whole query
    assert record_links(page) == titles
    page.get_by_label("Save this search as").fill("my violations")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Saved search: my violations"))
           ).to_be_visible()
    page.goto(f"{base}/")
    expect(page.locator("#new-counts")).to_contain_text("nothing new since your last look")


def test_a_record_page_shows_its_marking_provenance_and_verified_badge(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    page.goto(f"{served[0]}/search?type=violation&sort=newest")
    page.locator("table.results tbody tr").first.locator("td:nth-child(4) a").click()
    expect(page.locator(".banner")).to_contain_text("TLP:")
    expect(page.locator(".provenance")).to_contain_text("✓ verified")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    desk.check(f"{db}-record")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed JSON").click()
    signed = json.loads(Path(download.value.path()).read_text())
    assert set(signed) == {"record", "jws"} and signed["record"]["type"] == "violation"


def test_writing_a_record_shows_a_field_error_then_stores_it(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    page.goto(f"{served[0]}/write/actor")
    page.get_by_label("Kind").select_option("company")
    page.get_by_label("Name", exact=True).fill(HOSTILE)
    page.get_by_label("Countries").fill("AM, XX")
    page.get_by_label("TLP:GREEN").check()
    page.get_by_role("checkbox", name="GBR").check()
    page.get_by_role("button", name="Sign and store").click()
    error = page.locator("#f-countries-error")
    expect(error).to_contain_text("Not an ISO 3166-1 alpha-2 country code")
    expect(page.locator(".problems")).to_contain_text("Nothing was stored")
    desk.check(f"{db}-write-error", status=422)
    page.get_by_label("Countries").fill("AM")
    page.get_by_role("button", name="Add another (aliases)").click()
    page.locator("#aliases-1-name").fill("ХОСТАЙЛ ТРЕЙДИНГ")
    page.locator("#aliases-1-script").fill("Cyrl")
    page.get_by_role("button", name="Sign and store").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE)  # text, not markup
    assert page.title() != "owned" and "49" not in page.locator("h1").inner_text()
    expect(page.locator("li[lang=ru]")).to_have_text("ХОСТАЙЛ ТРЕЙДИНГ (Cyrl)")
    desk.check(f"{db}-written")


def test_a_same_as_judgement_changes_the_entity(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    base = served[0]
    page.goto(f"{base}/network")
    charts = [link.get_attribute("href") for link in page.locator(
        "section[aria-labelledby=hubs-heading] tbody a").all()]
    for chart in charts:  # an actor with a candidate outside its entity
        page.goto(base + chart.removesuffix("/network"))
        rows = page.locator("table.matches tbody tr").filter(
            has_not_text="in this entity")
        if rows.count():
            break
    assert rows.count(), "no hub with a candidate outside its entity"
    members_before = page.locator(".card").count()
    candidate = rows.first.locator("td").first.locator("a").inner_text()
    desk.check(f"{db}-actor")
    rows.first.get_by_role("button", name="Same as", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your judgement is recorded")
    assert page.locator(".card").count() > members_before
    expect(page.locator(".cards")).to_contain_text(candidate)
    desk.check(f"{db}-actor-judged")


def test_the_network_chart_expands_shows_a_path_and_exports(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    page.goto(f"{served[0]}/network")
    desk.check(f"{db}-graph")
    clusters = page.locator("ol.clusters > li").all()
    largest = max(clusters, key=lambda li: int(re.search(r"(\d+) entities", li.inner_text())[1]))
    largest.locator("a").first.click()  # a component larger than one hop around it
    rows = page.locator("#entity-rows tr")
    expect(rows.first).to_be_visible()
    page.get_by_label("Hops").select_option("1")
    settled = ("() => { const rows = document.querySelectorAll('#entity-rows tr').length;"
               " return rows > 0 && document.getElementById('chart-status')"
               ".textContent.startsWith(rows + ' entities'); }")  # a function: eval is refused
    page.wait_for_function(settled)
    before = rows.count()
    grown = False
    for _ in range(6):  # expand entities until one brings a neighbour not yet shown
        button = page.locator("#entity-rows button:not([disabled])").first
        if not button.count():
            break
        name = button.get_attribute("aria-label")
        button.click()
        expect(page.get_by_role("button", name=name)).to_be_disabled()
        page.wait_for_function(settled)
        if rows.count() > before:
            grown = True
            break
    assert grown, "expanding a node added no entity"
    page.get_by_role("button", name="Show path").click()
    expect(page.locator("#chart-status")).to_contain_text(
        re.compile("Shortest path|No other listed"))
    desk.check(f"{db}-network")
    with page.expect_download() as png:
        page.get_by_role("button", name="Download PNG").click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.get_by_role("button", name="Download SVG").click()
    assert b"<svg" in Path(svg.value.path()).read_bytes()[:400]


def test_a_liaison_generates_and_downloads_a_brief_that_opens(page, served, tmp_path) -> None:
    desk, db = as_user(page, served, "liaison")
    page.get_by_role("link", name="Cases").click()
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Joint-investigation brief")).to_be_visible()
    desk.check(f"{db}-case")
    page.get_by_label("Format").select_option("pdf")
    with page.expect_download() as download:
        page.get_by_role("button", name="Generate and download").click()
    pdf = tmp_path / "brief.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert "TLP:" in text and "Joint investigation brief" in text.replace("-", " ")


def test_trends_chart_links_to_their_searches(page, served) -> None:
    desk, db = as_user(page, served, "analyst")
    page.get_by_role("link", name="Trends").click()
    expect(page.locator("canvas").first).to_be_visible()
    page.wait_for_timeout(300)
    desk.check(f"{db}-trends")
    page.get_by_role("link", name="Violations by HS chapter").click()
    assert "type=violation" in page.url
    expect(page.locator(".total")).to_contain_text("found")


def test_an_administrator_runs_the_node(page, served) -> None:
    desk, db = as_user(page, served, "admin")
    expect(page.get_by_role("heading", name="Sync status")).to_be_visible()
    desk.check(f"{db}-admin-sync")
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Name").fill("newanalyst")
    page.get_by_label("Password for signing in here").fill("twelve chars at least")
    page.get_by_role("button", name="Add").click()
    row = page.locator("table.users tr").filter(has_text="newanalyst")
    row.get_by_role("button", name="New token").click()
    expect(page.locator("code.secret")).to_contain_text(re.compile(r"^es_[0-9a-f]{16}_"))
    desk.check(f"{db}-admin-users")
    page.locator("table.users tr").filter(has_text="newanalyst").get_by_role(
        "button", name=re.compile("Revoke token")).click()
    expect(page.locator("table.users tr").filter(has_text="newanalyst")).to_contain_text("revoked")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verdict")).to_contain_text("Chain intact")
    desk.check(f"{db}-admin-audit")
    page.get_by_role("link", name="Partners and keys").click()
    expect(page.locator("table")).to_contain_text("GBR")
    desk.check(f"{db}-admin-partners")


def test_an_analyst_reaches_no_admin_page_nor_a_brief_and_csrf_holds(page, served) -> None:
    as_user(page, served, "analyst")
    base = served[0]
    assert page.goto(f"{base}/admin/users").status == 403
    page.goto(f"{base}/cases")
    case = page.locator("table tbody tr a").first.get_attribute("href")
    assert page.goto(f"{base}{case}/brief?format=pdf").status == 403
    refused = page.request.post(f"{base}/write/actor", form={
        "kind": "company", "name": "No Token Ltd", "tlp": "green", "releasable_to": "USA"})
    assert refused.status == 403
    page.goto(f"{base}/search?name=No+Token")
    expect(page.locator(".total")).to_contain_text("0 records found")


def test_every_other_page_passes_the_accessibility_check(page, served) -> None:
    """The pages the flows above do not visit: lists, every form, a saved search, errors."""
    desk, db = as_user(page, served, "analyst")
    base = served[0]
    for name, path in (("cases", "/cases"), ("write", "/write"),
                       ("write-violation", "/write/violation"),
                       ("write-trend", "/write/procurement_trend"),
                       ("write-case", "/write/case"), ("write-link", "/write/link")):
        assert page.goto(base + path).status == 200, path
        desk.check(f"{db}-{name}")
    page.goto(f"{base}/search?type=procurement_trend&method=front_company")
    page.get_by_label("Save this search as").fill("front companies")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".total")).to_contain_text("found")
    desk.check(f"{db}-saved-search")
    assert page.goto(f"{base}/records/00000000-0000-4000-8000-000000000000").status == 404
    desk.check(f"{db}-not-found", status=404)
