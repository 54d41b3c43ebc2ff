"""Ingest speed: sign+store and verify+store of generated records beside the Ed25519 + JCS bound.

Run ``python bench/ingest.py [--quick] [--records N] [--postgres-url URL] [--profile]``.
The figure that matters is the ratio of verify+store to the bare bound (target: >= 0.5): how
much of a partner's ingest time goes to anything but canonicalising and checking signatures.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import pstats
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
import sqlalchemy as sa
from common import BareVerifier, as_gbr, b64url, postgres_problem, progress, unb64url
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc.jwk import OKPKey

from enforce_share.config import load_config
from enforce_share.demo.scenario import generate_scenario
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.ingest import ingest
from enforce_share.records.jsonschema import record_validator
from enforce_share.records.models import LogHead, Record
from enforce_share.records.queries import signed
from enforce_share.records.verify import checked_shape
from enforce_share.signing import jws

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
QUICK_RECORDS, FULL_RECORDS, BATCH, TARGET = 2_000, 20_000, 500, 0.5
SOURCE_SCENARIO = "enforce_share.demo.scenario"


@dataclass(frozen=True)
class Timing:
    """One measured phase on one database."""

    phase: str
    database: str
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.records / self.seconds if self.seconds else float("inf")


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- records ------------------------------------------------------------------------------


def load_drafts(count: int, seed: int) -> tuple[list[Draft], str]:
    """GBR drafts from the scenario generator."""
    return list(as_gbr(generate_scenario(count, seed))), SOURCE_SCENARIO



def make_node(data_dir: Path, agency: str, database_url: str) -> Node:
    """Initialise a node the way `enforce-share init` does."""
    node, _ = Node.initialise(load_config(data_dir, agency=agency, database_url=database_url))
    return node


def sign_and_store(node: Node, drafts: Sequence[Draft], batch: int, database: str) -> Timing:
    """Node.add_records in batches."""
    with progress(len(drafts), f"sign+store {database}") as bar:
        start = time.perf_counter()
        for chunk in batched(drafts, batch):
            node.add_records(chunk)
            bar.update(len(chunk))
        seconds = time.perf_counter() - start
    return Timing("sign+store", database, len(drafts), seconds)


def signed_documents(node: Node) -> list[dict[str, Any]]:
    """The node's whole log as ``{record, jws}`` documents, in seq order."""
    with node.reading() as session:
        rows = session.scalars(sa.select(Record).where(Record.origin == node.agency)
                               .order_by(Record.seq))
        return [signed(row) for row in rows]


def bare_bound(documents: Sequence[dict[str, Any]], jwks: dict[str, Any]) -> Timing:
    """Per record: RFC 8785 bytes, the JWS signing input, one Ed25519 verification."""
    bare = BareVerifier(jwks)
    with progress(len(documents), "bare bound") as bar:
        start = time.perf_counter()
        for chunk in batched(documents, BATCH):
            for document in chunk:
                bare.verify(document)
            bar.update(len(chunk))
        seconds = time.perf_counter() - start
    return Timing("bare bound", "memory", len(documents), seconds)


def trust_gbr(usa: Node, gbr: Node) -> None:
    """The USA node trusts the GBR node's keys."""
    with usa.transaction() as session:
        add_partner(session, "USA", "GBR", gbr.jwks(), None)


def verify_and_store(
    usa: Node, documents: Sequence[dict[str, Any]], batch: int, database: str
) -> Timing:
    """ingest() of GBR's signed records by the USA node, one transaction per batch."""
    with progress(len(documents), f"verify+store {database}") as bar:
        start = time.perf_counter()
        registry = usa.registry()
        for chunk in batched(documents, batch):
            with usa.transaction() as session:
                ingest(session, registry, chunk, own_agency="USA")
            bar.update(len(chunk))
        seconds = time.perf_counter() - start
    return Timing("verify+store", database, len(documents), seconds)


def check_heads(usa: Node, gbr: Node) -> None:
    """The USA node must hold GBR's log exactly: same seq, same head."""
    with usa.reading() as session:
        held = session.get(LogHead, "GBR")
    log = gbr.describe()["log"]
    if (held.seq, held.head) != (log["seq"], log["head"]):
        raise SystemExit(f"ingested GBR log differs: {held.seq}/{held.head} vs {log}")


@dataclass
class DatabaseRun:
    """The two stored phases on one database, and the documents GBR signed there."""

    sign: Timing
    verify: Timing
    documents: list[dict[str, Any]]
    jwks: dict[str, Any]


def run_database(
    database: str, root: Path, url_for: Callable[[str], str], drafts: Sequence[Draft],
    batch: int,
) -> DatabaseRun:
    """Sign+store on a GBR node, then verify+store of its log on a USA node."""
    nodes = [make_node(root / agency, agency, url_for(agency)) for agency in ("GBR", "USA")]
    gbr, usa = nodes
    try:
        sign = sign_and_store(gbr, drafts, batch, database)
        documents, jwks = signed_documents(gbr), gbr.jwks()
        # The bench keeps every draft and document alive, which a node never does: keep the
        # collector from rescanning them on each full collection (a node's batches are freed).
        gc.collect()
        gc.freeze()
        trust_gbr(usa, gbr)
        verify = verify_and_store(usa, documents, batch, database)
        check_heads(usa, gbr)
        return DatabaseRun(sign, verify, documents, jwks)
    finally:
        for node in nodes:
            node.close()


@contextlib.contextmanager
def postgres_schemas(server: str) -> Iterator[Callable[[str], str]]:
    """A fresh schema per node on ``server``, all dropped at the end."""
    admin, made = sa.create_engine(server), []
    joiner = "&" if "?" in server else "?"

    def url_for(agency: str) -> str:
        schema = f"bench_{agency.lower()}_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return f"{server}{joiner}options=-csearch_path%3D{schema}"

    try:
        yield url_for
    finally:
        with admin.begin() as connection:
            for schema in made:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- profile ------------------------------------------------------------------------------


def per_record(label: str, documents: Sequence[dict[str, Any]],
               step: Callable[[dict[str, Any]], Any]) -> tuple[str, float]:
    """Microseconds per record of one step of verification, timed alone."""
    start = time.perf_counter()
    for document in documents:
        step(document)
    return label, (time.perf_counter() - start) / len(documents) * 1e6


def component_costs(documents: Sequence[dict[str, Any]], jwks: dict[str, Any],
                    verify: Timing, bound: Timing) -> None:
    """Each step verify+store performs per record, timed alone without a profiler."""
    okp = {jwk["kid"]: OKPKey.import_key({k: jwk[k] for k in ("kty", "crv", "x")})
           for jwk in jwks["keys"]}
    raw = {jwk["kid"]: Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
           for jwk in jwks["keys"]}
    kids = {id(d): jws.header(d["jws"])["kid"] for d in documents}
    payloads = {id(d): rfc8785.dumps(d["record"]) for d in documents}

    def openssl(document: dict[str, Any]) -> None:
        protected, _, signature = document["jws"].split(".")
        raw[kids[id(document)]].verify(
            unb64url(signature), protected.encode() + b"." + b64url(payloads[id(document)]))

    costs = [  # (label, microseconds, times ingest does it per record)
        (*per_record("checked_shape (RecordSchema, marshmallow)", documents,
                     checked_shape), 1),
        (*per_record("rfc8785.dumps", documents, lambda d: rfc8785.dumps(d["record"])), 1),
        (*per_record("jws.header (decode + checks)", documents,
                     lambda d: jws.header(d["jws"])), 2),
        (*per_record("jws.verify via joserfc", documents,
                     lambda d: jws.verify(d["jws"], payloads[id(d)], okp[kids[id(d)]])), 1),
        (*per_record("same check with cryptography alone", documents, openssl), 0),
    ]
    total = 1e6 / verify.rate
    print(f"\nverify+store on SQLite costs {total:.0f} us/record (bare bound "
          f"{1e6 / bound.rate:.0f} us); each step alone, per record:")
    for label, micros, times in costs:
        note = f"x{times}" if times else "(not used)"
        print(f"  {label:40} {micros:7.1f} us {note:>10} {micros * times / total:7.1%}")
    rest = total - sum(micros * times for _, micros, times in costs)
    print(f"  {'the rest: ORM rows, flush, effects, commit':40} {rest:7.1f} us "
          f"{'':>10} {rest / total:7.1%}")


def profile_verify_store(root: Path, gbr_documents: list[dict[str, Any]],
                         gbr_jwks: dict[str, Any], batch: int) -> None:
    """cProfile one SQLite verify+store and print where its time goes (cumulative)."""
    usa = make_node(root / "USA", "USA", f"sqlite:///{root / 'USA' / 'node.db'}")
    with usa.transaction() as session:
        add_partner(session, "USA", "GBR", gbr_jwks, None)
    profiler = cProfile.Profile()
    profiler.enable()
    timing = verify_and_store(usa, gbr_documents, batch, "sqlite (profiled)")
    profiler.disable()
    usa.close()
    print(f"\ncProfile of verify+store on SQLite: {timing.seconds:.2f} s profiled for "
          f"{timing.records} records; cumulative time in the node's code, then own time:")
    for sort, limits in (("cumulative", (r"enforce_share/(records|signing)/", 14)),
                         ("tottime", (12,))):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(*limits)
        lines = out.getvalue().splitlines()
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print("\n".join(line.replace(str(Path.cwd()) + "/", "") for line in lines[first:]
                        if line.strip()))


# --- report -------------------------------------------------------------------------------


def table(timings: Sequence[Timing], bound: Timing) -> str:
    """The results as a Markdown table."""
    lines = ["| phase | database | records | seconds | records/s | ratio to bound |",
             "|---|---|---:|---:|---:|---:|"]
    for timing in timings:
        lines.append(f"| {timing.phase} | {timing.database} | {timing.records} | "
                     f"{timing.seconds:.2f} | {timing.rate:,.0f} | "
                     f"{timing.rate / bound.rate:.2f} |")
    return "\n".join(lines)


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> None:
    """Run every phase, print the table and the BENCH line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECORDS} records")
    parser.add_argument("--records", type=int, help=f"default {FULL_RECORDS}")
    parser.add_argument("--batch", type=int, default=BATCH, help="records per transaction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile verify+store on SQLite and print the breakdown")
    args = parser.parse_args(argv)
    count = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)

    started = time.perf_counter()
    drafts, source = load_drafts(count, args.seed)
    print(f"records: {len(drafts)} GBR drafts from {source} (seed {args.seed}), "
          f"batches of {args.batch}, Python {sys.version.split()[0]}")
    mix = Counter(draft.type for draft in drafts)
    print("mix: " + ", ".join(f"{kind} {n}" for kind, n in mix.most_common())
          + f"; {sum(1 for draft in drafts if draft.supersedes)} of them new versions")
    figures: dict[str, str] = {}
    compile_started = time.perf_counter()
    record_validator()  # compiled once per process, as a node does at its first record
    print(f"record validator compiled in {time.perf_counter() - compile_started:.2f} s "
          "(once per process; outside the timings)")
    with tempfile.TemporaryDirectory(prefix="es-bench-") as tmp:
        root = Path(tmp)
        sqlite = run_database("sqlite", root / "sqlite",
                              lambda agency: f"sqlite:///{root / 'sqlite' / agency / 'node.db'}",
                              drafts, args.batch)
        bound = bare_bound(sqlite.documents, sqlite.jwks)
        timings = [bound, sqlite.sign, sqlite.verify]
        figures.update(bound_rps=f"{bound.rate:.0f}",
                       sqlite_sign_store_rps=f"{sqlite.sign.rate:.0f}",
                       sqlite_verify_store_rps=f"{sqlite.verify.rate:.0f}",
                       sqlite_ratio=f"{sqlite.verify.rate / bound.rate:.3f}")
        problem = postgres_problem(args.postgres_url)
        if problem:
            print(f"PostgreSQL skipped: not reachable at {args.postgres_url}: {problem}")
            figures.update(pg_sign_store_rps="skipped", pg_verify_store_rps="skipped",
                           pg_ratio="skipped")
        else:
            with postgres_schemas(args.postgres_url) as url_for:
                pg = run_database("postgresql", root / "pg", url_for, drafts, args.batch)
            timings += [pg.sign, pg.verify]
            figures.update(pg_sign_store_rps=f"{pg.sign.rate:.0f}",
                           pg_verify_store_rps=f"{pg.verify.rate:.0f}",
                           pg_ratio=f"{pg.verify.rate / bound.rate:.3f}")
        print(table(timings, bound))
        print(f"verify+store holds {len(sqlite.documents)} records: the drafts and GBR's "
              "key announcement (seq 1); target ratio >= "
              f"{TARGET}; peak RSS {peak_rss_mb():.0f} MiB; "
              f"wall {time.perf_counter() - started:.1f} s")
        if args.profile:
            component_costs(sqlite.documents, sqlite.jwks, sqlite.verify, bound)
            profile_verify_store(root / "profile", sqlite.documents, sqlite.jwks, args.batch)
    figures.update(records=str(len(drafts)), peak_rss_mb=f"{peak_rss_mb():.0f}")
    print("BENCH ingest " + " ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
