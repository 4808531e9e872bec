"""Keyed random streams: each draw is named by (run key, purpose, round, item), so runs share their noise.

A run's randomness used to be one stream read in order: as soon as two runs of the same seed made one
different choice (a different sanction level, a different student move), every later draw shifted and
the two runs were as unrelated as two seeds. Common random numbers need the opposite: the draw that
decides "does China accept Cambodia's request in round 3" must be the same number in both runs.

So every draw here is a pure function of its name. The run key comes from the run's one
``numpy.random.Generator`` (:func:`run_key`); a draw hashes the key with its purpose, the round and the
fields that identify the item (actor, action, target, sector...) through SplitMix64's finaliser, a
counter-based generator with full 64-bit avalanche (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators"). Fields broadcast like numpy arrays, so the same function serves one
run (fields of shape (k,)) and a runs axis (a key of shape (R, 1)): a vector engine that names its draws
the same way gets the same numbers. No state, no global, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_UNIT = 2.0**-53
#: The same constants as 0-d arrays, the operands of the hashing's array operations: numpy combines a 0-d
#: array with an array for a fifth fewer instructions than a numpy scalar (the same uint64 arithmetic).
_GOLDEN_0D, _M1_0D, _M2_0D = (np.array(c, dtype=np.uint64) for c in (_GOLDEN, _M1, _M2))
_S30_0D, _S27_0D, _S31_0D, _S11_0D = (np.array(c, dtype=np.uint64) for c in (30, 27, 31, 11))


class Purpose(IntEnum):
    """What a draw decides; part of its name, so two purposes never share a number."""

    CHOICE = 1  # Gumbel noise on an AI candidate move (Plackett-Luce softmax)
    ANSWER = 2  # logistic noise on a target's accept/refuse decision
    ORDER = 3  # the order in which the round's moves are resolved
    LAPSE = 4  # an agreement lapsing this quarter
    SHOCK = 5  # a domestic shock hitting an actor
    SHOCK_SIZE = 6  # its size
    EVENT = 7  # a conditional event with a chance below 1 firing


def run_key(rng: np.random.Generator) -> np.uint64:
    """The run's stream key: one 64-bit draw from the run's generator (its first draw)."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64, endpoint=False))


_MASK = 2**64 - 1
_GOLDEN_INT, _M1_INT, _M2_INT = int(_GOLDEN), int(_M1), int(_M2)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place on a uint64 array (wrapping arithmetic); returns it."""
    shifted = x >> _S30_0D
    x ^= shifted
    x *= _M1_0D
    np.right_shift(x, _S27_0D, out=shifted)
    x ^= shifted
    x *= _M2_0D
    np.right_shift(x, _S31_0D, out=shifted)
    x ^= shifted
    return x


def _mix_int(x: int) -> int:
    """The same finaliser on one Python integer (cheaper than numpy for a single value)."""
    x ^= x >> 30
    x = (x * _M1_INT) & _MASK
    x ^= x >> 27
    x = (x * _M2_INT) & _MASK
    return x ^ (x >> 31)


def _prefix_int(key: int, purpose: int, round_: int) -> int:
    """The hash of one run's (key, purpose, round) prefix, in Python integers: ``_mix_int`` twice, written out."""
    x = (key + _GOLDEN_INT * purpose) & _MASK
    x ^= x >> 30
    x = (x * _M1_INT) & _MASK
    x ^= x >> 27
    x = (x * _M2_INT) & _MASK
    x ^= (x >> 31) ^ ((round_ + _GOLDEN_INT) & _MASK)
    x ^= x >> 30
    x = (x * _M1_INT) & _MASK
    x ^= x >> 27
    x = (x * _M2_INT) & _MASK
    return x ^ (x >> 31)


def _as_u64(value: int | np.ndarray) -> np.ndarray:
    # Fields are small non-negative or -1 ("none"); -1 is read as 2**64 - 1, a distinct value.
    if type(value) is np.ndarray and value.dtype == np.int64 and value.ndim:
        return value.view(np.uint64)
    return np.atleast_1d(np.asarray(value, dtype=np.int64)).view(np.uint64)


def hashes(key: np.uint64 | np.ndarray, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
    """64-bit hashes of the named draws, broadcast over the key and the fields (at least 1-d).

    h = mix(key + G x purpose), then h = mix(h ^ (x + G)) for the round and each field in turn, where G is
    the 64-bit golden ratio and -1 stands for 2**64 - 1.
    """
    if np.ndim(key) == 0:  # one run: the (key, purpose, round) prefix in Python integers
        h = np.array([_prefix_int(int(key), int(purpose), int(round_))], dtype=np.uint64)
    else:
        h = _mix(np.asarray(key, dtype=np.uint64) + np.array([int(purpose)], dtype=np.uint64) * _GOLDEN)
        h = _mix(h ^ (_as_u64(round_) + _GOLDEN))
    return extend(h, *fields)


def table_hashes(key: np.uint64, purposes: tuple[Purpose, ...], round_: int, names: np.ndarray) -> np.ndarray:
    """``hashes(key, p, round_, *names)`` of one run for every purpose p at once, shape ``(P, *names.shape[1:])``.

    ``names`` is an integer array whose first axis lists the fields (``names[f]`` is field f of every
    draw, -1 for "none"). The same numbers as :func:`hashes`, in fewer numpy calls: the fields are
    offset in one operation and every purpose's draws are mixed together (a round's answers and
    resolution order, a quarter's shocks and their sizes).
    """
    return _hash_names([_prefix_int(int(key), int(p), int(round_)) for p in purposes], names)


def rounds_table_hashes(key: np.uint64, purposes: tuple[Purpose, ...], rounds: range, names: np.ndarray) -> np.ndarray:
    """:func:`table_hashes` of every round in ``rounds`` at once, shape ``(T, P, *names.shape[1:])``: the same
    numbers, for draws whose names a run knows in advance (each actor's domestic shocks)."""
    prefix = [_prefix_int(int(key), int(p), int(r)) for r in rounds for p in purposes]
    return _hash_names(prefix, names).reshape((len(rounds), len(purposes), *names.shape[1:]))


def _hash_names(prefix: list[int], names: np.ndarray) -> np.ndarray:
    """(K, *names.shape[1:]) the hashes of ``names`` (fields on the first axis) after each of K prefixes."""
    rest = names.shape[1:]
    offset = np.asarray(names, dtype=np.int64).view(np.uint64) + _GOLDEN_0D
    h = np.bitwise_xor(np.array(prefix, dtype=np.uint64).reshape((len(prefix),) + (1,) * len(rest)), offset[0])
    _mix(h)
    for field in offset[1:]:
        h ^= field
        _mix(h)
    return h


def extend(h: np.ndarray, *fields: int | np.ndarray) -> np.ndarray:
    """The hashes of names that continue the names hashed in ``h`` with ``fields`` (broadcast):
    ``extend(hashes(key, purpose, round_, *a), *b) == hashes(key, purpose, round_, *a, *b)``. Many draws
    that share the start of their names (a run's actor's candidates) hash it once."""
    for field in fields:
        h = _mix(h ^ (_as_u64(field) + _GOLDEN))
    return h


def extend_at(h: np.ndarray, at: np.ndarray, *tables: np.ndarray) -> np.ndarray:
    """``extend(h, *(t[at] for t in tables))`` in place on ``h`` (an array the caller owns): the fields read
    from small tables at indices ``at`` (each draw's candidate in a list of every candidate), the tables
    offset once instead of every field read (the same hashes)."""
    for table in tables:
        h ^= (_as_u64(table) + _GOLDEN_0D).take(at)
        _mix(h)
    return h


#: Draws per block in :func:`gumbel_extended`: a block's uint64 hashes and indices (a few hundred KB) stay in a
#: core's cache through the hashing's passes. At a million draws (a round of 32 runs of 48 actors) the whole
#: arrays cost twice the time of blocks of 16k to 64k draws, memory-bound (measured; the same numbers).
_BLOCK = 32768


def gumbel_extended(start: np.ndarray, start_at: np.ndarray, at: np.ndarray, *tables: np.ndarray) -> np.ndarray:
    """``gumbel_of(extend_at(start.take(start_at), at, *tables))``: the Gumbel draws of names that continue
    the names hashed in ``start`` (each draw's read at ``start_at``) with fields read from ``tables`` at
    ``at`` (as :func:`extend_at`), worked out a block of draws at a time so that each block stays in cache
    through every pass: the same numbers, in about half the time for many draws."""
    flat = start.reshape(-1)
    if start_at.size <= _BLOCK:
        return gumbel_of(extend_at(flat.take(start_at), at, *tables))
    out = np.empty(start_at.shape)
    for first in range(0, start_at.size, _BLOCK):
        block = slice(first, first + _BLOCK)
        out[block] = gumbel_of(extend_at(flat.take(start_at[block]), at[block], *tables))
    return out


def uniform_of(h: np.ndarray) -> np.ndarray:
    """Uniform draws in the open interval (0, 1) of named draws' 64-bit hashes (:func:`hashes`)."""
    return ((h >> _S11_0D).astype(np.float64) + 0.5) * _UNIT


def uniform(key: np.uint64 | np.ndarray, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
    """Uniform draws in the open interval (0, 1), one per broadcast element of the name."""
    return uniform_of(hashes(key, purpose, round_, *fields))


def gumbel(key: np.uint64 | np.ndarray, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
    """Standard Gumbel draws (location 0, scale 1)."""
    return gumbel_of(hashes(key, purpose, round_, *fields))


def gumbel_of(h: np.ndarray) -> np.ndarray:
    """Standard Gumbel draws of named draws' 64-bit hashes (:func:`hashes`, :func:`extend`)."""
    return -np.log(-np.log(uniform_of(h)))


def logistic(key: np.uint64 | np.ndarray, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
    """Standard logistic draws (location 0, scale 1)."""
    return logistic_of(hashes(key, purpose, round_, *fields))


def logistic_of(h: np.ndarray) -> np.ndarray:
    """Standard logistic draws of named draws' 64-bit hashes (:func:`hashes`, :func:`table_hashes`)."""
    u = uniform_of(h)
    return np.log(u) - np.log1p(-u)


def label(text: str) -> int:
    """A stable integer name for a string field (an event id): FNV-1a, the same in every process."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h >> 1


@dataclass(frozen=True)
class Dice:
    """One run's named draws: the key bound once, the purpose, round and fields given per draw."""

    key: np.uint64

    @classmethod
    def of(cls, rng: np.random.Generator) -> Dice:
        """The dice of the run whose generator is ``rng`` (takes its next draw as the key)."""
        return cls(run_key(rng))

    def uniform(self, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
        """Uniform (0, 1) draws named by purpose, round and fields."""
        return uniform(self.key, purpose, round_, *fields)

    def gumbel(self, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
        """Standard Gumbel draws named by purpose, round and fields."""
        return gumbel(self.key, purpose, round_, *fields)

    def logistic(self, purpose: Purpose, round_: int, *fields: int | np.ndarray) -> np.ndarray:
        """Standard logistic draws named by purpose, round and fields."""
        return logistic(self.key, purpose, round_, *fields)
