"""The public list as one signed JSON document: the node's signature over its RFC 8785 bytes.

``{"document": {"format", "issuer", "issued", "actors": [...]}, "jws": "<h>..<s>"}``: the
JWS is made exactly as a record's (docs/protocol.md section 6: Ed25519, protected header
``{"alg", "kid"}`` only, payload detached), so anyone verifies it with a standard JOSE
library and the issuing node's public key (its JWK Set). The JSON Schema of the document is
published with the wire contract (``schemas/public-list.json``).
"""

from __future__ import annotations

from typing import Any

from ..records.schema import ACTOR_KINDS, IDENTIFIER_SCHEMES
from ..signing import jws
from ..signing.node_keys import NodeSigner

FORMAT = "enforce-share-public-list/1"


def signed_document(entries: list[dict[str, Any]], issuer: str, issued: str,
                    signer: NodeSigner) -> dict[str, Any]:
    """The entries as the signed document of ``issuer``'s node, issued at ``issued``."""
    document = {"format": FORMAT, "issuer": issuer, "issued": issued, "actors": entries}
    return {"document": document, "jws": signer.sign(jws.canonical(document))}


def json_schema(ref: Any) -> dict[str, Any]:
    """The document's JSON Schema (``ref(name)``: a reference to a value format)."""
    strings = {"type": "array", "items": {"type": "string"}}
    identification = {
        "type": "object", "required": ["agency", "date", "record"],
        "additionalProperties": False,
        "properties": {"agency": ref("agency"), "date": ref("date"),
                       "reference": {"type": "string"}, "authority": {"type": "string"},
                       "record": ref("record_id")}}
    actor = {
        "type": "object", "additionalProperties": False,
        "required": ["id", "kind", "name", "aliases", "countries", "addresses", "identifiers",
                     "identified_by", "identifications", "records"],
        "properties": {
            "id": {"type": "string", "pattern": "^es-[0-9a-f-]{36}$"},
            "kind": {"enum": list(ACTOR_KINDS)}, "name": {"type": "string"},
            "aliases": strings, "countries": {"type": "array", "items": ref("country")},
            "addresses": strings,
            "identifiers": {"type": "array", "items": {
                "type": "object", "required": ["scheme", "value"],
                "additionalProperties": False,
                "properties": {"scheme": {"enum": list(IDENTIFIER_SCHEMES)},
                               "value": {"type": "string"}}}},
            "identified_by": {"type": "array", "minItems": 1, "items": ref("agency")},
            "identifications": {"type": "array", "minItems": 1, "items": identification},
            "records": {"type": "array", "minItems": 1, "items": ref("record_id")}}}
    statement = {"type": "object", "required": ["format", "issuer", "issued", "actors"],
                 "additionalProperties": False,
                 "properties": {"format": {"const": FORMAT}, "issuer": ref("agency"),
                                "issued": ref("timestamp"),
                                "actors": {"type": "array", "items": actor}}}
    return {"type": "object", "required": ["document", "jws"], "additionalProperties": False,
            "properties": {"document": statement, "jws": ref("detached_jws")},
            "$comment": "Agencies by ISO 3166-1 alpha-3 code, members of the partnership. "
                        "The JWS is the issuer node's Ed25519 signature over the RFC 8785 "
                        "bytes of document."}
