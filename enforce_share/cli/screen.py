"""`enforce-share screen FILE.json|FILE.csv`: screening from the command line, one or thousands."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from ..errors import InvalidInput
from ..node import Node
from ..screening import rows
from ..screening.request import parse
from ..screening.service import GROUP, screen_many
from .context import audited, echo_json, open_node, read_json

#: The largest batch file read (a million parties is some 100 MiB of CSV).
MAX_BATCH_BYTES = 256 * 1024 * 1024


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "outs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the answers to a .csv (a row per party) or .json file; repeat for "
                   "both. Default: JSON on standard output.")
@click.pass_context
def screen(ctx: click.Context, path: Path, outs: tuple[Path, ...]) -> None:
    """Screen the request in PATH: a JSON request ({parties, items, route, destination}), or
    a CSV of parties (a row each: name, reference, kind, countries, identifiers, hs_codes,
    route, destination...) screened with a progress bar."""
    if any(out.suffix.lower() not in (".csv", ".json") for out in outs):
        raise click.BadParameter("give a .csv or .json file", param_hint="--out")
    if path.stat().st_size > MAX_BATCH_BYTES:
        raise InvalidInput(f"{path} is larger than {MAX_BATCH_BYTES:,} bytes")
    node = open_node(ctx)
    if path.suffix.lower() == ".csv":  # every row checked first: a bad one screens none
        lines = [line for line, _ in _csv_requests(path)]
        requests = (request for _, request in _csv_requests(path))
    else:
        request = parse(read_json(path))
        lines, requests = [0], iter([request])
    with ExitStack() as stack, tqdm(total=len(lines), desc="screening", unit="row",
                                    disable=None) as bar:
        writers = [_writer(stack, out) for out in outs]
        answers = _answers(node, requests, node.agency, lambda _: bar.update(1))
        for line, answer in zip(lines, answers, strict=True):
            if not outs:
                echo_json(answer)
            for write in writers:
                write(line, answer)
    audited(ctx, "screen", file=path.name, requests=len(lines))


def _csv_requests(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            yield from rows.read_requests(text)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text (byte {exc.start})") from exc


def _answers(node: Node, requests: Iterator[dict[str, Any]], viewer: str,
             progress: Any) -> Iterator[dict[str, Any]]:
    """Answers in order, screened a group at a time (``progress`` told of each request)."""
    group: list[dict[str, Any]] = []
    for request in requests:
        group.append(request)
        if len(group) >= GROUP:
            yield from screen_many(node, group, viewer, progress=progress)
            group = []
    if group:
        yield from screen_many(node, group, viewer, progress=progress)


def _writer(stack: ExitStack, out: Path) -> Any:
    """A function writing one answer to ``out`` (created owner-only: answers cite records)."""
    handle = stack.enter_context(os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                                   0o600), "w", encoding="utf-8", newline=""))
    if out.suffix.lower() == ".csv":
        handle.write(rows.result_header())
        table = csv.writer(handle, lineterminator="\n")
        return lambda line, answer: table.writerow(rows.result_row(line, answer))
    handle.write("[\n")
    first = [True]

    def write(line: int, answer: dict[str, Any]) -> None:
        handle.write(("" if first[0] else ",\n") + json.dumps(
            {"line": line, **answer}, ensure_ascii=False, sort_keys=True))
        first[0] = False

    stack.callback(handle.write, "\n]\n")
    return write
