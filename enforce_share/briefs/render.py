"""Turning a brief's content into files: HTML and Markdown from Jinja2 templates, PDF by
WeasyPrint from the HTML (its CSS paged media puts the marking banner on every page)."""

from __future__ import annotations

import base64
import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..graph.picture import draw as draw_network
from . import timeline

_HTML = Environment(loader=PackageLoader("enforce_share.briefs", "templates"),
                    autoescape=select_autoescape(["html", "css"]), undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
#: What Markdown reads as markup in running text (a backslash before each makes it text).
MD_SPECIALS = "\\|*_`[]<>#"


def _md_text(value: Any) -> str:
    text = re.sub(r"\s+", " ", str(value))  # no line break: no heading, list or banner
    for special in MD_SPECIALS:
        text = text.replace(special, "\\" + special)
    return text


def md_cell(value: Any) -> Markup:
    """Text made safe for one Markdown table cell (no pipe, no line break, no markup)."""
    return Markup(_md_text(value).strip())


def md_code(value: Any) -> Markup:
    """Text for inside a Markdown code span (ids, hashes): no backtick, no line break."""
    return Markup(re.sub(r"\s+", " ", str(value)).replace("`", "'"))


def md_finalize(value: Any) -> Any:
    """Every value the Markdown template writes, escaped as text unless it is already
    (``Markup``: what ``cell`` and ``code`` made), as autoescaping does for HTML."""
    return value if isinstance(value, Markup) else Markup(_md_text(value))


_MARKDOWN = _HTML.overlay(autoescape=False, finalize=md_finalize)


def css_string(value: Any) -> Markup:
    """``value`` as a quoted CSS string, safe inside a ``<style>`` element."""
    text = "".join(ch if ch.isalnum() or ch in " :·,+-" else f"\\{ord(ch):x} "
                   for ch in str(value))
    return Markup(f'"{text}"')


_HTML.filters["css_string"] = css_string
_MARKDOWN.filters["cell"] = md_cell
_MARKDOWN.filters["code"] = md_code


def pictures(context: dict[str, Any], fmt: str) -> dict[str, str | None]:
    """The network and timeline pictures as data URIs (None where there is nothing to draw)."""
    network = context["network"]
    drawn = {"network": draw_network(network, None, fmt) if len(network) else None,
             "timeline": timeline.draw(context["timeline"], fmt)}
    return {name: None if picture is None else
            f"data:{MEDIA_TYPES[fmt]};base64,{base64.b64encode(picture).decode('ascii')}"
            for name, picture in drawn.items()}


def html(context: dict[str, Any], picture_format: str = "svg") -> str:
    """The brief as one self-contained HTML page (pictures inline)."""
    return _HTML.get_template("brief.html").render(
        **context, pictures=pictures(context, picture_format))


def markdown(context: dict[str, Any]) -> str:
    """The brief as Markdown (pictures inline as PNG data URIs)."""
    return _MARKDOWN.get_template("brief.md").render(**context,
                                                     pictures=pictures(context, "png"))


def pdf(context: dict[str, Any]) -> bytes:
    """The brief as PDF: WeasyPrint lays out the HTML (PNG pictures) on A4 pages.

    The PDF's creation and modification dates are the brief's generation time, and it has no
    random file identifier, so the same content gives the same bytes.
    """
    # Imported here: WeasyPrint loads Pango when imported, which the other formats never need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    page = html(context, picture_format="png")
    inline_only = URLFetcher(allowed_protocols={"data"})  # no file or network read, ever
    return HTML(string=page, url_fetcher=inline_only).write_pdf(pdf_identifier=False)
