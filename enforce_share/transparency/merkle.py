"""RFC 9162 section 2.1 Merkle trees: tree hash, inclusion and consistency proofs.

Generation works over *perfect subtrees* (node ``(level, index)`` covers leaves
``[index * 2**level, (index + 1) * 2**level)``), which a log stores as entries arrive
(``transparency.tree``): every hash RFC 9162 asks for is the right fold of the perfect
subtrees its range splits into, so a root or a proof needs the hashes of O(log n) stored
nodes, asked for all at once (``Nodes``), never a pass over the log. Verification follows
the RFC's own algorithms (2.1.3.2, 2.1.4.2) and raises ``VerificationError``: it never
answers False.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Collection, Sequence

from ..errors import VerificationError

HASH_SIZE = 32
Node = tuple[int, int]  # (level, index) of a perfect subtree
#: Hashes of the perfect subtrees asked for, all at once.
Nodes = Callable[[Collection[Node]], dict[Node, bytes]]
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) (RFC 9162 2.1.1)


def encode(value: bytes) -> str:
    """A Merkle hash on the wire: standard base64, padded (as RFC 6962's API and C2SP
    checkpoints write them; record hashes and chain heads stay hex)."""
    return base64.b64encode(value).decode("ascii")


def decode(text: str) -> bytes:
    """A Merkle hash read from the wire; VerificationError if it is not 32 bytes of base64."""
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise VerificationError("malformed_proof", "a hash is not base64") from exc
    _check_hashes(value)
    return value


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d) (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two smaller than ``size`` (> 1): where RFC 9162 splits D[n]."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_nodes(low: int, high: int) -> list[Node]:
    """The perfect subtrees D[low:high] splits into, left to right (largest first).

    ``low`` is a multiple of the largest power of two not above ``high - low``, as every
    range of RFC 9162's recursion is; MTH(D[low:high]) is then their right fold.
    """
    nodes = []
    while high > low:
        width = 1 << ((high - low).bit_length() - 1)
        nodes.append((width.bit_length() - 1, low // width))
        low += width
    return nodes


def _fold(nodes: Sequence[Node], hashes: dict[Node, bytes]) -> bytes:
    result = hashes[nodes[-1]]
    for node in reversed(nodes[:-1]):
        result = node_hash(hashes[node], result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes make PATH(index, D[size]), leaf end first
    (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges, low, high = [], 0, size
    while high - low > 1:
        middle = low + split(high - low)
        if index < middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low = middle
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes make PROOF(first, D[second]) (RFC 9162 2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    ranges, low, high, whole = [], 0, second, True
    while first != high:  # SUBPROOF(first - low, D[low:high], whole)
        middle = low + split(high - low)
        if first <= middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low, whole = middle, False
    if not whole:
        ranges.append((low, high))
    return ranges[::-1]


def _hashes(ranges: Sequence[tuple[int, int]], nodes: Nodes) -> list[bytes]:
    """The tree hash of each range, from one call of ``nodes``."""
    wanted = [perfect_nodes(low, high) for low, high in ranges]
    hashes = nodes({node for needed in wanted for node in needed})
    return [_fold(needed, hashes) for needed in wanted]


def root(size: int, nodes: Nodes) -> bytes:
    """MTH(D[size]) from the perfect subtrees it splits into."""
    return _hashes([(0, size)], nodes)[0] if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, nodes: Nodes) -> list[bytes]:
    """The audit path of leaf ``index`` (0-based) in the tree of ``size`` leaves."""
    return _hashes(inclusion_ranges(index, size), nodes)


def consistency_proof(first: int, second: int, nodes: Nodes) -> list[bytes]:
    """The consistency proof between the trees of ``first`` and ``second`` leaves."""
    return _hashes(consistency_ranges(first, second), nodes) if first != second else []


def _check_hashes(*hashes: bytes) -> None:
    if any(not isinstance(value, bytes) or len(value) != HASH_SIZE for value in hashes):
        raise VerificationError("malformed_proof", "every hash is 32 bytes")


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     expected_root: bytes) -> None:
    """Check that ``leaf`` (its leaf hash) stands at ``index`` of the tree of ``size``
    leaves whose root is ``expected_root`` (RFC 9162 2.1.3.2); VerificationError if not."""
    _check_hashes(leaf, expected_root, *proof)
    if not 0 <= index < size:
        raise VerificationError("bad_inclusion_proof", f"leaf {index} is not in a tree of {size}")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise VerificationError("bad_inclusion_proof", "the proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or result != expected_root:
        raise VerificationError("bad_inclusion_proof",
                                f"leaf {index} is not in the tree of {size} with this root")


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes,
                       second_root: bytes) -> None:
    """Check that the tree of ``first`` leaves (``first_root``) is a prefix of the tree of
    ``second`` leaves (``second_root``) (RFC 9162 2.1.4.2); VerificationError if not."""
    _check_hashes(first_root, second_root, *proof)
    if not 0 < first <= second:
        raise VerificationError("bad_consistency_proof",
                                f"no consistency proof from {first} to {second}")
    if first == second:
        if proof or first_root != second_root:
            raise VerificationError("bad_consistency_proof",
                                    "trees of the same size differ, or the proof is not empty")
        return
    if not proof:
        raise VerificationError("bad_consistency_proof", "the proof is empty")
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for sibling in path[1:]:
        if sn == 0:
            raise VerificationError("bad_consistency_proof", "the proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(sibling, fr), node_hash(sibling, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise VerificationError("bad_consistency_proof",
                                f"the tree of {first} is not a prefix of the tree of {second}")


def memory_nodes(leaves: Sequence[bytes]) -> Nodes:
    """``Nodes`` over leaf hashes held in memory (tests, small logs): every perfect subtree
    hashed once, level by level."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return lambda wanted: {(level, index): levels[level][index] for level, index in wanted}
