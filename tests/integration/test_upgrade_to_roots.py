"""Issue 15's migration, on databases written by the protocol 2 code itself.

The code of the last protocol 2 commit is taken from git (``git archive``) and run in a
process of its own: it initialises GBR and USA, writes records, rotates GBR's key the old way
(a `key` record, then a `key_revocation`) and has USA pull GBR's log. Today's code then
upgrades both databases, GBR adopts a root, rotates through it and disavows, and USA follows
by sync: nothing USA held is lost, and the keys' runs of seqs come from the old records.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from enforce_share.config import load_config
from enforce_share.node import Node
from enforce_share.records.models import LogHead, Record
from enforce_share.signing import authority
from enforce_share.signing.models import TrustedKey
from enforce_share.signing.root_keys import create_root

from ..processes import ROOT
from .test_roots import pull

pytestmark = pytest.mark.slow

#: The last commit of protocol 2 (keys valid by time, no roots).
PROTOCOL_2 = "0b42bf2"

WRITE_WITH_PROTOCOL_2 = """
import json, sys
from pathlib import Path
from enforce_share.config import load_config
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.sync.puller import sync_round
from tests.factories import DraftFactory
from tests.promise import LocalPeer

root, drafts = Path(sys.argv[1]), DraftFactory()
shared = {"tlp": "green", "releasable_to": ["GBR", "USA"]}
gbr, _ = Node.initialise(load_config(root / "gbr", agency="GBR"))
usa, _ = Node.initialise(load_config(root / "usa", agency="USA"))
for one, other in ((gbr, usa), (usa, gbr)):
    with one.transaction() as session:
        add_partner(session, one.agency, other.agency, other.jwks(), None)
gbr.add_records([drafts("actor", shared), drafts("violation", shared)])
old, new = gbr.rotate_key()
gbr.add_records([drafts("case", shared)])
assert not [o.error for o in sync_round(usa, [LocalPeer(gbr, "USA")]) if o.error]
print(json.dumps({"old": old, "new": new}))
"""


def protocol_2_source(into: Path) -> Path:
    """The package, adapters and test helpers as they were at :data:`PROTOCOL_2`."""
    archive = subprocess.run(["git", "archive", PROTOCOL_2, "enforce_share", "adapters",
                              "tests"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    shutil.copytree(into / "adapters", into / "enforce_share" / "adapters")  # as installed
    return into


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """GBR and USA data dirs written by protocol 2's code; its two key ids."""
    if shutil.which("git") is None or subprocess.run(
            ["git", "cat-file", "-e", PROTOCOL_2], cwd=ROOT).returncode != 0:
        pytest.skip(f"the protocol 2 code (commit {PROTOCOL_2}) is not in this checkout")
    base = tmp_path_factory.mktemp("upgrade")
    source = protocol_2_source(base / "protocol-2")
    done = subprocess.run([sys.executable, "-c", WRITE_WITH_PROTOCOL_2, str(base / "nodes")],
                          cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"dir": base / "nodes", **json.loads(done.stdout)}


def test_a_protocol_2_federation_upgrades_adopts_roots_and_keeps_syncing(written,
                                                                         drafts) -> None:
    gbr = Node(load_config(written["dir"] / "gbr"))
    usa = Node(load_config(written["dir"] / "usa"))
    try:
        for node in (gbr, usa):
            node.upgrade_database()
        with gbr.reading() as session:
            runs = {row.kid: (row.from_seq, row.until_seq) for row in session.scalars(
                select(TrustedKey).where(TrustedKey.agency == "GBR"))}
        # seq 1: the first key's announcement; 4: the new key's; 5: the old key's revocation
        assert runs == {written["old"]: (1, 5), written["new"]: (4, None)}
        with usa.reading() as session:
            held = session.get(LogHead, "GBR").seq
            assert {row.kid: row.until_seq for row in session.scalars(
                select(TrustedKey).where(TrustedKey.agency == "GBR"))}[written["old"]] == 5
        assert held == 6

        root = create_root(written["dir"] / "gbr-root", 3, 2)
        adopted = gbr.adopt_root(root)
        assert (adopted.type, adopted.seq, adopted.kid) == ("root", 7, written["new"])
        gbr.add_records([drafts("actor", {"tlp": "green", "releasable_to": ["GBR", "USA"]})])
        pull(usa, gbr)  # USA takes the root on the word of the key it trusts
        old_online, new_online = gbr.rotate_key(root)
        stolen = gbr.add_records([drafts("actor", {"tlp": "green",
                                                   "releasable_to": ["GBR", "USA"]})])
        gbr.publish_statement(authority.sign(
            gbr.draft_disavowal(new_online, [(stolen[0].seq, stolen[0].seq)], "test"), root))
        pull(usa, gbr)
        with usa.reading() as session:
            assert session.get(LogHead, "GBR").seq == gbr.describe()["log"]["seq"]
            assert session.scalar(select(Record.disavowed_by).where(
                Record.id == stolen[0].id)) is not None
        assert usa.registry().entry(old_online).until_seq == 9
    finally:
        gbr.close()
        usa.close()
