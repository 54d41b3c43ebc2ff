"""RFC 9162 Merkle trees: published vectors, the RFC's recursive definitions, every size."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from enforce_share.errors import VerificationError
from enforce_share.transparency import merkle

VECTORS = json.loads((Path(__file__).parent / "rfc6962_vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(value) for value in VECTORS["roots"]]
NODES = merkle.memory_nodes(LEAVES)
MAX_SIZE = 300


def _mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 2.1.1 defines it (over leaf hashes)."""
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) as RFC 9162 2.1.3.1 defines it."""
    if len(leaves) == 1:
        return []
    k = merkle.split(len(leaves))
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) as RFC 9162 2.1.4.1 defines it."""
    if m == len(leaves):
        return [] if whole else [_mth(leaves)]
    k = merkle.split(len(leaves))
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_roots_match_the_published_vectors() -> None:
    for size, expected in enumerate(ROOTS, start=1):
        assert merkle.root(size, NODES) == expected
    assert merkle.root(0, NODES).hex() == VECTORS["empty_root"]


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['leaf']}-{v['size']}")
def test_inclusion_proofs_match_the_published_vectors(vector) -> None:
    index, size, expected = vector["leaf"] - 1, vector["size"], _hashes(vector["proof"])
    assert merkle.inclusion_proof(index, size, NODES) == expected
    merkle.verify_inclusion(index, size, LEAVES[index], expected, ROOTS[size - 1])


@pytest.mark.parametrize("vector", VECTORS["consistency"],
                         ids=lambda v: f"{v['size1']}-{v['size2']}")
def test_consistency_proofs_match_the_published_vectors(vector) -> None:
    first, second, expected = vector["size1"], vector["size2"], _hashes(vector["proof"])
    assert merkle.consistency_proof(first, second, NODES) == expected
    merkle.verify_consistency(first, second, expected, ROOTS[first - 1], ROOTS[second - 1])


def _corruptions(proof: list[bytes]) -> list[list[bytes]]:
    """The published vectors' probes: a bit flipped in each element, one removed, one added."""
    wrong = [proof[:i] + [bytes([proof[i][0] ^ 8]) + proof[i][1:]] + proof[i + 1:]
             for i in range(len(proof))]
    wrong += [proof + [ROOTS[0]], [ROOTS[0], *proof]]
    if proof:
        wrong.append(proof[:-1])
    return wrong


@pytest.mark.parametrize("vector", VECTORS["inclusion"][1:], ids=lambda v: f"{v['leaf']}")
def test_corrupted_inclusion_proofs_fail(vector) -> None:
    index, size, proof = vector["leaf"] - 1, vector["size"], _hashes(vector["proof"])
    root = ROOTS[size - 1]
    probes = [(index, size, LEAVES[index], wrong, root) for wrong in _corruptions(proof)]
    probes += [(index + 1, size, LEAVES[index], proof, root),
               (index ^ 2, size, LEAVES[index], proof, root),
               (index, size * 2, LEAVES[index], proof, root),
               (index, size, hashlib.sha256(b"WrongLeaf").digest(), proof, root),
               (index, size, LEAVES[index], proof, bytes.fromhex(VECTORS["empty_root"])),
               (index, size, b"short", proof, root)]
    for probe in probes:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(*probe)


@pytest.mark.parametrize("vector", VECTORS["consistency"][1:],
                         ids=lambda v: f"{v['size1']}-{v['size2']}")
def test_corrupted_consistency_proofs_fail(vector) -> None:
    first, second, proof = vector["size1"], vector["size2"], _hashes(vector["proof"])
    root1, root2 = ROOTS[first - 1], ROOTS[second - 1]
    probes = [(first, second, wrong, root1, root2) for wrong in _corruptions(proof)]
    probes += [(first + 1, second, proof, root1, root2), (first, second * 2, proof, root1, root2),
               (first, second, proof, root2, root1), (first, second, [], root1, root2),
               (first, second, [proof[0], *proof], root1, root2),
               (second, first, proof, root2, root1)]
    if first > 1:
        probes.append((first - 1, second, proof, root1, root2))
    for probe in probes:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(*probe)


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(count)]


def test_generation_follows_the_rfc_definitions() -> None:
    """Every proof of every tree up to 64 leaves equals the RFC's recursive definition."""
    leaves = _leaves(64)
    nodes = merkle.memory_nodes(leaves)
    for size in range(1, 65):
        assert merkle.root(size, nodes) == _mth(leaves[:size])
        for m in range(size):
            assert merkle.inclusion_proof(m, size, nodes) == _path(m, leaves[:size])
        for first in range(1, size):
            assert merkle.consistency_proof(first, size, nodes) == _subproof(
                first, leaves[:size], True)


def test_every_proof_up_to_300_leaves_verifies_and_a_changed_one_fails() -> None:
    """For every 1 <= m <= n <= 300: inclusion of leaf m - 1 in n, consistency of m with n."""
    leaves = _leaves(MAX_SIZE)
    nodes = merkle.memory_nodes(leaves)
    roots = [merkle.root(size, nodes) for size in range(MAX_SIZE + 1)]
    assert roots[MAX_SIZE] == _mth(leaves)
    for second in range(1, MAX_SIZE + 1):
        for first in range(1, second + 1):
            path = merkle.inclusion_proof(first - 1, second, nodes)
            merkle.verify_inclusion(first - 1, second, leaves[first - 1], path, roots[second])
            proof = merkle.consistency_proof(first, second, nodes)
            merkle.verify_consistency(first, second, proof, roots[first], roots[second])
            if first == second:
                continue
            with pytest.raises(VerificationError):  # another leaf at that index
                merkle.verify_inclusion(first - 1, second, leaves[first], path, roots[second])
            with pytest.raises(VerificationError):  # an older tree that is not a prefix
                merkle.verify_consistency(first, second, proof, roots[first - 1] if first > 1
                                          else leaves[1], roots[second])
