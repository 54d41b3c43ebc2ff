"""The timeline of a brief: violations detected and enforcement actions taken, as rows and as
a picture (matplotlib, one line per violation, coloured by the reporting agency).

The picture is drawn from data alone (no date or software name in the file, a fixed hash salt
for SVG ids), so the same events give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from ..graph.picture import SEVERAL, colour
from .gather import Evidence, body

#: Violations drawn at most (the earliest); the table lists every event.
MAX_ROWS = 30
MARKERS = {"detected": "o", "detention": "s", "seizure": "s", "penalty": "D",
           "warning_letter": "^", "indictment": "v", "conviction": "X", "denial_order": "P",
           "entity_listing": "*", "public_identification": "h"}


@dataclass(frozen=True)
class Event:
    """One dated event: a violation detected, or an enforcement action on it."""

    day: str
    kind: str
    origin: str
    record: str
    title: str
    detail: str = ""


def events(evidence: Evidence) -> list[Event]:
    """Every violation's detection and enforcement actions, and the case's opening, by date."""
    case = body(evidence.case)
    found = [Event(case["opened"], "case opened", evidence.case.origin, evidence.case.id,
                   case["title"], f"lead {case['lead_agency']}")]
    for row in evidence.of_type("violation"):
        violation = body(row)
        found.append(Event(violation["detected_on"], "detected", row.origin, row.id,
                           violation["title"], violation["status"].replace("_", " ")))
        for action in violation.get("enforcement_actions", []):
            amount = action.get("amount")
            detail = " ".join(part for part in (
                action.get("authority", ""), action.get("reference", ""),
                f"{amount['amount']:,.2f} {amount['currency']}" if amount else "") if part)
            found.append(Event(action["date"], action["kind"], row.origin, row.id,
                               violation["title"], detail))
    return sorted(found, key=lambda e: (e.day, e.kind != "case opened", e.origin, e.record,
                                        e.kind, e.detail))


def draw(timeline: list[Event], fmt: str = "png", dpi: int = 150) -> bytes | None:
    """The picture of the violations' events (None if there are none): png or svg."""
    rows = sorted({(e.day, e.record) for e in timeline if e.kind == "detected"})[:MAX_ROWS]
    if not rows:
        return None
    # matplotlib loads here, not at import: it costs every process that never draws 0.2 s.
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    line_of = {record: index for index, (_, record) in enumerate(rows)}
    shown = [e for e in timeline if e.record in line_of and e.kind != "case opened"]
    figure = Figure(figsize=(8, 1.2 + 0.32 * len(rows)), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    for record, index in line_of.items():
        days = [date2num(date.fromisoformat(e.day)) for e in shown if e.record == record]
        axes.plot([min(days), max(days)], [index, index], color="#bbbbbb", linewidth=1.2,
                  zorder=1)
    for event in shown:
        axes.scatter([date2num(date.fromisoformat(event.day))], [line_of[event.record]],
                     marker=MARKERS.get(event.kind, "o"), s=46, zorder=2,
                     color=colour(event.origin) or SEVERAL, edgecolors="#222222",
                     linewidths=0.5)
    titles = {e.record: e.title for e in shown if e.kind == "detected"}
    axes.set_yticks(range(len(rows)), [_short(titles[record]) for _, record in rows],
                    fontsize=7)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.tick_params(axis="x", labelsize=7)
    axes.grid(axis="x", color="#eeeeee")
    axes.set_frame_on(False)
    kinds = sorted({e.kind for e in shown}, key=list(MARKERS).index)
    agencies = sorted({e.origin for e in shown})
    handles = [Line2D([], [], marker=MARKERS[kind], linestyle="", color="#777777",
                      label=kind.replace("_", " ")) for kind in kinds]
    handles += [Line2D([], [], marker="o", linestyle="", color=colour(a) or SEVERAL,
                       label=a) for a in agencies]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
                  fontsize=7, frameon=False)
    out = io.BytesIO()
    with rc_context({"svg.hashsalt": "enforce-share"}):
        figure.savefig(out, format=fmt, bbox_inches="tight",
                       metadata={"Date": None} if fmt == "svg" else {"Software": None})
    return out.getvalue()


def _short(title: str) -> str:
    """A label of at most 48 characters; ``$`` escaped (matplotlib would read maths)."""
    short = title if len(title) <= 48 else title[:46] + "…"
    return short.replace("$", r"\$")
