"""How record values read on a page: TLP labels, country names, titles, changes between
versions, CHPL tiers of HS codes. Plain functions, used as Jinja2 filters."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

import pycountry

#: TLP 2.0 labels as FIRST writes them; the page shows the label in its colour, never
#: the colour alone.
TLP_LABELS = {"clear": "TLP:CLEAR", "green": "TLP:GREEN", "amber": "TLP:AMBER",
              "amber+strict": "TLP:AMBER+STRICT", "red": "TLP:RED"}
TLP_MEANING = {
    "clear": "Disclosure is not limited.",
    "green": "Limited disclosure: the community, not published.",
    "amber": "Limited disclosure: recipients' organisations and their clients on a "
             "need-to-know basis.",
    "amber+strict": "Limited disclosure: recipients' organisations only.",
    "red": "For the eyes and ears of individual recipients only: never leaves this agency.",
}
TYPE_LABELS = {"violation": "Violation", "procurement_trend": "Procurement trend",
               "actor": "Actor", "case": "Case", "link": "Link", "withdrawal": "Withdrawal",
               "key": "Key announcement", "key_revocation": "Key revocation"}


def tlp_label(tlp: str) -> str:
    """``TLP:AMBER+STRICT`` for ``amber+strict``."""
    return TLP_LABELS.get(tlp, f"TLP:{tlp.upper()}")


def tlp_class(tlp: str) -> str:
    """The CSS class of a TLP level (``tlp-amber-strict``)."""
    return "tlp-" + tlp.replace("+", "-") if tlp in TLP_LABELS else "tlp-unknown"


@cache
def country_name(code: str) -> str:
    """``Armenia`` for ``AM`` (the code itself if unknown)."""
    found = pycountry.countries.get(alpha_2=code)
    return getattr(found, "common_name", None) or (found.name if found else code)


def words(value: str) -> str:
    """``freight_forwarder`` as ``freight forwarder``."""
    return str(value).replace("_", " ")


def title_of(record: dict[str, Any]) -> str:
    """What a record is called: its title or name, else a line made of its body."""
    body = record.get("body", {})
    if body.get("title") or body.get("name"):
        return body.get("title") or body.get("name")
    if record.get("type") == "link":
        return f"Link: {words(body.get('relation', ''))}"
    if record.get("type") == "withdrawal":
        return "Withdrawal"
    return TYPE_LABELS.get(record.get("type", ""), "Record")


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from one version's body to the next: each field added, removed or
    changed, with both values (the first version: every field, as added)."""
    before = before or {}
    found = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        kind = "added" if key not in before else "removed" if key not in after else "changed"
        found.append({"field": key, "kind": kind, "before": before.get(key),
                      "after": after.get(key)})
    return found


def short(value: Any, limit: int = 120) -> str:
    """A value as one short line of text (lists joined, long text cut)."""
    if isinstance(value, list):
        text = ", ".join(short(item, limit) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key}: {short(item, limit)}" for key, item in value.items())
    elif isinstance(value, float):
        text = f"{value:.3g}"
    else:
        text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def money(value: dict[str, Any] | None) -> str:
    """``48,250.50 USD``."""
    if not value:
        return ""
    return f"{value['amount']:,.2f} {value['currency']}"


@cache
def _chpl() -> dict[str, tuple[str, str]]:
    from ..demo.scenario.catalogue import headings  # the CHPL as published, shipped with us

    return {row.hs6: (row.tier, row.group) for row in headings()}


def chpl_tier(hs_code: str) -> str:
    """The Common High Priority List tier of an HS code (by its first six digits), or ''."""
    found = _chpl().get(str(hs_code)[:6])
    return f"Tier {found[0]}: {found[1]}" if found else ""


def query_string(params: dict[str, Any]) -> str:
    """Parameters as a URL's query (lists as repeated names), without a page's cursor."""
    return urlencode({key: value for key, value in params.items()
                      if key not in ("cursor", "limit")}, doseq=True)


FILTERS = {"query_string": query_string, "tlp_label": tlp_label, "tlp_class": tlp_class,
           "country": country_name, "words": words, "title_of": title_of, "short": short,
           "money": money,
           "chpl_tier": chpl_tier, "type_label": lambda t: TYPE_LABELS.get(t, words(t)),
           "tlp_meaning": lambda t: TLP_MEANING.get(t, "")}
