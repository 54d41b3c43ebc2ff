"""Bodies and markings of the scenario's records: violations, trends, cases, links, withdrawals."""

from __future__ import annotations

import random
from datetime import date, timedelta

from enforce_share.members import FOUNDING

from . import texts
from .catalogue import heading, headings, item
from .places import COUNTRIES, HUBS

START, END = date(2022, 3, 1), date(2026, 10, 31)


def iso(day: date) -> str:
    """``day`` as YYYY-MM-DD, kept inside the scenario's period."""
    return min(max(day, START), END).isoformat()


def marking(origin: str, rng: random.Random) -> dict:
    """A TLP marking: red 5 %, amber+strict 15 %, amber 45 %, green 25 %, clear 10 %."""
    draw = rng.random()
    partners = [agency for agency in FOUNDING.codes if agency != origin]
    if draw < 0.05:
        return {"tlp": "red", "releasable_to": [origin]}
    if draw < 0.20:
        tlp, chosen = "amber+strict", rng.sample(partners, rng.randint(1, 2))
    else:
        tlp, everyone = (("amber", 0.5) if draw < 0.65 else ("green", 0.7) if draw < 0.9
                         else ("clear", 0.9))
        chosen = partners if rng.random() < everyone else rng.sample(partners, rng.randint(2, 3))
    return {"tlp": tlp, "releasable_to": [a for a in FOUNDING.codes if a == origin or a in chosen]}


def label(hs_code: str) -> str:
    """A short name of the CHPL group of ``hs_code`` for titles."""
    found = texts.LABELS.get(hs_code[:4])
    if found:
        return found
    return next((row.group for row in headings() if row.hs6 == hs_code[:6]), "controlled items")


def money(agency: str, rng: random.Random) -> tuple[str, float]:
    """The currency an agency's record states values in, and its units per US dollar."""
    currency = texts.CURRENCY[agency] if rng.random() < 0.5 else \
        "USD" if rng.random() < 0.8 else "EUR"
    return currency, texts.RATES[currency]


def action(agency: str, kind: str, day: date, rng: random.Random, value: float = 0.0) -> dict:
    """An enforcement action by the agency's competent authority."""
    authorities = texts.AUTHORITIES[agency]
    taken: dict = {"kind": kind, "date": iso(day),
                   "authority": authorities.get(kind, authorities["*"]),
                   "reference": f"{texts.REFERENCE_PREFIX[agency]}-{day.year}-"
                                f"{rng.randint(1, 9999):04d}"}
    if kind in ("penalty", "seizure"):
        currency = texts.CURRENCY[agency]
        amount = value * rng.uniform(0.8, 1.0) if kind == "seizure" and value else \
            rng.choice((25_000, 50_000, 150_000, 400_000, 1_200_000, 3_000_000)) * \
            texts.RATES[currency] * rng.uniform(0.5, 1.5)
        taken["amount"] = {"amount": round(amount, 2), "currency": currency}
    return taken


def violation(
    agency: str, parties: list[tuple[str, str, str]], route: list[str], detected: date,
    rng: random.Random,
) -> dict:
    """A suspected or confirmed violation; ``parties`` are (record id, role, name) triples."""
    currency, rate = money(agency, rng)
    items = [item(rng, currency, rate) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4)))]
    hubs = [COUNTRIES[code].name for code in route[1:-1]] or ["a third country"]
    dest = COUNTRIES[route[-1]].name
    what = label(items[0]["hs_code"])
    title = rng.choice((f"{what.capitalize()} diverted to {dest} via {hubs[0]}",
                        f"Transshipment of {what} through {' and '.join(hubs)} to {dest}",
                        f"{hubs[0]} front company sourcing {what} for {dest} end user",
                        f"Unlicensed export of {what} to {hubs[0]} consignee"))
    names = {role: name.rstrip(".") for _, role, name in reversed(parties)}
    shipped = names.get("exporter") or names.get("reexporter") or "A distributor"
    consignee = names.get("consignee") or names.get("intermediary") or f"a company in {hubs[0]}"
    summary = (f"{shipped} shipped {items[0]['description']} (HS {items[0]['hs_code']}) to "
               f"{consignee}. Trade data show onward movement to "
               f"{names.get('end_user', 'an end user')} in {dest}")
    if "freight_forwarder" in names:
        summary += f", consolidated by {names['freight_forwarder']}"
    if "financier" in names:
        summary += f"; payments came from {names['financier']}"
    flags = rng.sample(texts.RED_FLAGS, rng.randint(1, 4))
    summary += f". {flags[0]}."
    status = rng.choice(("suspected", "suspected", "under_investigation", "under_investigation",
                         "confirmed"))
    kinds = sorted({texts.VIOLATION_KINDS.pick(rng) for _ in range(rng.randint(1, 3))},
                   key=texts.VIOLATION_KINDS.values.index)
    body: dict = {"title": title, "summary": summary, "status": status,
                  "detected_on": iso(detected), "violation_types": kinds, "items": items,
                  "parties": [{"actor": record_id, "role": role} for record_id, role, _ in parties],
                  "route": route, "red_flags": flags,
                  "legal_basis": rng.sample(texts.LEGAL_BASIS[agency], rng.randint(1, 2)),
                  "sources": [texts.DECLARATIONS[agency],
                              *rng.sample(texts.SOURCES, rng.randint(0, 2))]}
    if status != "suspected" and rng.random() < 0.6:
        value = sum(line.get("value", {}).get("amount", 0.0) for line in items)
        body["enforcement_actions"] = [action(agency, rng.choice(("detention", "seizure")),
                                              detected + timedelta(rng.randint(1, 20)), rng,
                                              value)]
    return body


#: Next status of a violation and the actions an update of it may add.
PROGRESS = {"suspected": ("under_investigation", ("detention",)),
            "under_investigation": ("confirmed", ("seizure", "penalty", "entity_listing",
                                                  "public_identification", "warning_letter",
                                                  "indictment")),
            "confirmed": ("closed", ("penalty", "conviction", "denial_order", "entity_listing"))}


def progressed(agency: str, body: dict, today: date, rng: random.Random) -> dict | None:
    """The next version of a violation (status moved on, actions added), or None if closed."""
    step = PROGRESS.get(body["status"])
    if step is None:
        return None
    status, kinds = step
    detected = date.fromisoformat(body["detected_on"])
    actions = list(body.get("enforcement_actions", []))
    for kind in rng.sample(kinds, min(len(kinds), rng.randint(1, 2))):
        when = max(today, detected + timedelta(days=7)) - timedelta(days=rng.randint(0, 6))
        actions.append(action(agency, kind, when, rng))
    updated = {**body, "status": status, "enforcement_actions": actions}
    if status == "confirmed":
        updated["summary"] = body["summary"] + " Investigation confirmed the diversion."
    return updated


def trend(agency: str, related: list[str], today: date, rng: random.Random) -> dict:
    """A procurement trend seen in an agency's recent cases."""
    codes = sorted({heading(rng).hs6 for _ in range(rng.randint(2, 7))})
    hubs = sorted({HUBS.pick(rng) for _ in range(rng.randint(1, 4))})
    destinations = ["RU"] if rng.random() < 0.7 else ["RU", "BY"]
    methods = sorted({texts.METHODS.pick(rng) for _ in range(rng.randint(1, 4))},
                     key=texts.METHODS.values.index)
    start = today - timedelta(days=rng.randint(90, 540))
    what = label(codes[0])
    via = ", ".join(COUNTRIES[code].name for code in hubs)
    title = rng.choice((f"Rising re-exports of {what} via {via}",
                        f"{methods[0].replace('_', ' ').capitalize()} used to obtain {what}",
                        f"{what.capitalize()} reaching Russia through {via}"))
    indicators = rng.sample(texts.INDICATORS, rng.randint(2, 5))
    body: dict = {
        "title": title,
        "summary": f"Since {iso(start)}, cases show {what} and related CHPL items moving "
                   f"through {via}. {indicators[0]}.",
        "methods": methods, "hs_codes": codes, "transit_countries": hubs,
        "destination_countries": destinations,
        "period": {"start": iso(start)} if rng.random() < 0.3 else
        {"start": iso(start), "end": iso(today - timedelta(days=rng.randint(0, 30)))},
        "indicators": indicators,
        "confidence": rng.choice(("low", "medium", "medium", "high")),
    }
    if related:
        body["related"] = related
    return body


def case(
    agency: str, participants: list[str], records: list[str], opened: date, rng: random.Random
) -> dict:
    """A joint case led by ``agency`` over the records it names."""
    codename = f"Operation {rng.choice(texts.CODENAME[0])} {rng.choice(texts.CODENAME[1])}"
    body: dict = {"title": codename, "lead_agency": agency,
                  "participants": [a for a in FOUNDING.codes if a in participants],
                  "status": rng.choice(("open", "active", "active")), "opened": iso(opened),
                  "summary": "Joint investigation of a procurement network supplying "
                             "controlled items to Russian end users through transit hubs."}
    if records:
        body["records"] = records
    return body


def closed_case(body: dict, more: list[str], rng: random.Random) -> dict:
    """The next version of a case: further records, status moved on."""
    records = list(body.get("records", []))
    records += [record_id for record_id in more if record_id not in records]
    status = {"open": "active", "active": rng.choice(("closed", "suspended", "active")),
              "suspended": "closed"}.get(body["status"], "closed")
    updated = {**body, "status": status}
    if records:
        updated["records"] = records
    return updated


def link(source: str, target: str, relation: str, evidence: list[str],
         rng: random.Random) -> dict:
    """A link between two actor records, with the records that support it."""
    body: dict = {"from": source, "to": target, "relation": relation,
                  "confidence": round(rng.uniform(0.55, 0.99), 2)}
    if evidence:
        body["evidence"] = evidence
    return body


def withdrawal(target: str, rng: random.Random) -> dict:
    """The withdrawal of one of the origin's own records."""
    return {"target": target, "reason": rng.choice(texts.WITHDRAWAL_REASONS)}
