"""Builders of valid record drafts for tests (vary one field to test one behaviour)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from enforce_share.records.drafts import Draft

MARKING = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}

BODIES: dict[str, dict[str, Any]] = {
    "actor": {
        "kind": "company", "name": "Tekhno Treyd LLC",
        "aliases": [{"name": "ООО ТЕХНО ТРЕЙД", "script": "Cyrl"}],
        "countries": ["AM"],
        "addresses": [{"text": "12 Tigran Mets Ave, Yerevan", "country": "AM"}],
        "identifiers": [{"scheme": "company_number", "value": "286.110.1234"}],
    },
    "violation": {
        "title": "Microcontrollers diverted to Russia via Yerevan",
        "summary": "Shipments of tier-1 integrated circuits re-exported without licence.",
        "status": "under_investigation", "detected_on": "2026-03-14",
        "violation_types": ["reexport_diversion", "transshipment"],
        "items": [{"hs_code": "854231", "eccn": "3A991.a.2", "description": "MCUs",
                   "quantity": 1200, "unit": "pcs",
                   "value": {"amount": 48250.5, "currency": "USD"}}],
        "route": ["US", "AM", "RU"],
        "enforcement_actions": [{"kind": "detention", "date": "2026-03-20",
                                 "authority": "HMRC", "reference": "DET-2026-17"}],
        "red_flags": ["Consignee has no web presence"],
    },
    "procurement_trend": {
        "title": "Tier-1 ICs through Central Asian forwarders", "summary": "Observed since 2024.",
        "methods": ["transshipment_third_country", "freight_forwarder_abuse"],
        "hs_codes": ["854231", "854239"], "transit_countries": ["KG", "KZ"],
        "destination_countries": ["RU"], "period": {"start": "2024-01-01"},
        "confidence": "medium",
    },
    "case": {
        "title": "Operation Northern Relay", "lead_agency": "GBR",
        "participants": ["USA", "CAN"], "status": "active", "opened": "2026-04-01",
    },
}


class DraftFactory:
    """Fresh copies of valid drafts; ``counter`` makes names unique when asked."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self, type: str = "actor", marking: dict[str, Any] | None = None,
                 **body_changes: Any) -> Draft:
        body = copy.deepcopy(BODIES[type])
        body.update(body_changes)
        return Draft(type=type, marking=copy.deepcopy(marking or MARKING), body=body)

    def payload(self, type: str = "actor", **body_changes: Any) -> dict[str, Any]:
        """The same draft as a POST /api/v1/records JSON body."""
        draft = self(type, **body_changes)
        return {"type": draft.type, "marking": draft.marking, "body": draft.body}

    def unique_actor(self) -> Draft:
        """An actor draft with a name no other has."""
        return self("actor", name=f"Front Company {next(self._counter)} LLC")
