"""Making a brief of a case for a viewer's agency, in one format: the one use case the API and
the CLI share. The caller records the result in the audit trail (:meth:`Brief.audit_target`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..clock import timestamp
from ..errors import InvalidInput
from ..signing.node_keys import current_signer
from ..signing.trust import TrustRegistry
from ..sync.bundle import export_selection
from . import render
from .content import content
from .gather import gather

if TYPE_CHECKING:
    from ..node import Node

#: Format -> media type of the file made.
FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
           "md": "text/markdown; charset=utf-8", "bundle": "application/x-ndjson"}
EXTENSIONS = {"pdf": "pdf", "html": "html", "md": "md", "bundle": "jsonl"}


@dataclass(frozen=True)
class Brief:
    """A brief as made: its bytes and what the audit trail keeps of it."""

    case: str
    format: str
    content: bytes
    marking: dict[str, Any]
    records: list[str]
    generated: str
    recipient: str | None = None

    @property
    def media_type(self) -> str:
        """The file's media type."""
        return FORMATS[self.format]

    @property
    def filename(self) -> str:
        """A name for the file: the case id and the format."""
        return f"brief-{self.case}.{EXTENSIONS[self.format]}"

    @property
    def digest(self) -> str:
        """SHA-256 of the file, hex."""
        return hashlib.sha256(self.content).hexdigest()

    def audit_target(self) -> dict[str, Any]:
        """What the audit entry names: case, format, marking, digest, records (and recipient)."""
        target = {"case": self.case, "format": self.format, "marking": self.marking,
                  "digest": self.digest, "generated": self.generated, "records": self.records}
        return {**target, "for": self.recipient} if self.recipient else target


def generation_time() -> str:
    """Now, to the second, as the brief states it (RFC 3339 UTC)."""
    return timestamp()[:19] + "Z"


def make_brief(node: Node, case_id: str, viewer: str, fmt: str, *,
               recipient: str | None = None, generated: str | None = None) -> Brief:
    """The brief of case ``case_id`` for users of ``viewer``'s agency, in ``fmt`` (pdf, html,
    md, or bundle: the companion signed bundle, for ``recipient``'s agency, default the
    viewer's).

    Only records the viewer's agency may see are used. ``generated`` (default now) is the one
    thing that differs between two briefs of the same records. NotFound for an unknown case
    or one the viewer may not see.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown brief format {fmt!r}", {"format": [
            f"One of: {', '.join(FORMATS)}."]})
    if recipient is not None and fmt != "bundle":
        raise InvalidInput("A recipient applies to the bundle format only",
                           {"for": ["Only with format=bundle."]})
    generated = generated or generation_time()
    with node.reading() as session:
        evidence = gather(session, partial(node.graph.network, viewer), case_id, viewer)
        context = content(evidence, TrustRegistry.load(session))
        records = [row.id for row in evidence.ordered()]
        if fmt == "bundle":
            lines: list[bytes] = []
            export_selection(session, node.agency, recipient or viewer, records,
                             lambda line: lines.append(_json_line(line)), created=generated,
                             signer=current_signer(session, node.agency, node.config.keys_dir))
            data = b"".join(lines)
    context.update(generated=generated, node=node.agency)
    if fmt == "html":
        data = render.html(context).encode("utf-8")
    elif fmt == "md":
        data = render.markdown(context).encode("utf-8")
    elif fmt == "pdf":
        data = render.pdf(context)
    marking = {"tlp": context["marking"]["tlp"],
               "releasable_to": context["marking"]["releasable_to"]}
    return Brief(evidence.case.id, fmt, data, marking, records, generated,
                 (recipient or viewer) if fmt == "bundle" else None)


def _json_line(line: dict[str, Any]) -> bytes:
    """One bundle line, as bundle files hold them (compact JSON, UTF-8, newline)."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
