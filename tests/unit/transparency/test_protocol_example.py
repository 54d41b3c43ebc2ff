"""docs/protocol.md's worked example of a log's Merkle tree holds, number for number."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from enforce_share.transparency import merkle

PROTOCOL = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"


def _example() -> dict:
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text[text.index("### Worked example: three entries"):]
    return json.loads(re.search(r"```json\n(.*?)\n```", section, re.S).group(1))


def test_the_worked_example_is_the_rfc_9162_tree_of_its_stub_hashes() -> None:
    example = _example()
    assert example["stub_hashes"] == [hashlib.sha256(f"stub {i}".encode()).hexdigest()
                                      for i in (1, 2, 3)]
    leaves = [merkle.leaf_hash(bytes.fromhex(value)) for value in example["stub_hashes"]]
    assert [merkle.encode(leaf) for leaf in leaves] == example["leaves"]
    nodes = merkle.memory_nodes(leaves)
    assert merkle.encode(merkle.root(2, nodes)) == example["root_2"]
    assert merkle.encode(merkle.root(3, nodes)) == example["root_3"]
    inclusion, consistency = example["inclusion"], example["consistency"]
    assert [merkle.encode(value) for value in merkle.inclusion_proof(1, 3, nodes)] == \
        inclusion["proof"]
    merkle.verify_inclusion(inclusion["seq"] - 1, inclusion["size"], leaves[1],
                            [merkle.decode(value) for value in inclusion["proof"]],
                            merkle.decode(example["root_3"]))
    merkle.verify_consistency(consistency["from"], consistency["to"],
                              [merkle.decode(value) for value in consistency["proof"]],
                              merkle.decode(example["root_2"]), merkle.decode(example["root_3"]))
