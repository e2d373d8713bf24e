"""The vocabulary as flat arrays that open memory-mapped and answer without building a dict.

A 3-million-entry Python dict costs seconds and hundreds of megabytes to build on every start, which
is most of what makes a gensim script slow to answer one question. Instead:

- ``blob``: every word's UTF-8 bytes, concatenated in row order;
- ``offsets``: int64, ``n + 1`` entries, word ``i`` is ``blob[offsets[i]:offsets[i + 1]]``;
- ``order``: int32 row numbers sorted by the words' bytes (UTF-8 byte order is code-point order);
- ``keys``: the first 16 bytes of each word in sorted order, as numpy ``S16``.

A lookup is a ``searchsorted`` on ``keys`` (done in C, and vectorised for a batch) that narrows the
search to the words sharing the query's first 16 bytes, then a short bisection over the full words.
Prefix search, which completion and suggestions need, is the same two ``searchsorted`` calls.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterable, Sequence

import numpy as np

KEY_BYTES = 16
KEY_DTYPE = f"S{KEY_BYTES}"


class Vocab:
    """Words <-> rows, over arrays that may be memory-mapped."""

    tokens = False  # a token table's vocabulary: ``▁`` marks a word's start (core/words.py)

    def __init__(
        self, blob: bytes | mmap.mmap | np.ndarray, offsets: np.ndarray, order: np.ndarray, keys: np.ndarray
    ):
        # bytes or an mmap: slicing either gives bytes at once (a numpy memmap slice costs 10x more)
        self._blob = blob if isinstance(blob, (bytes, mmap.mmap)) else bytes(blob)
        self._offsets = offsets
        self._order = order
        self._keys = keys
        self._limit: int | None = None  # rows at or beyond it are not words of this vocabulary

    def first(self, limit: int) -> Vocab:
        """The vocabulary of the first ``limit`` rows, over the same arrays (``--limit`` on a full cache)."""
        view = Vocab(self._blob, self._offsets, self._order, self._keys)
        view._limit = limit
        view.tokens = self.tokens
        return view

    def rows_held(self) -> int:
        """The rows of the model this vocabulary is a view of, past its limit too."""
        return len(self._offsets) - 1

    def beyond_limit(self, word: str) -> int | None:
        """The row of ``word`` when it exists but lies beyond this vocabulary's limit, else None."""
        if self._limit is None:
            return None
        target = word.encode("utf-8", errors="surrogatepass")
        lo, hi = self._narrow(target)
        row = self._find(target, lo, hi) if lo < hi else None
        return row if row is not None and row >= self._limit else None

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def from_words(cls, words: Sequence[str]) -> Vocab:
        """Build the arrays in memory (for models that are not cached, and for tests)."""
        arrays = build_arrays(words)
        return cls(arrays["blob"], arrays["offsets"], arrays["order"], arrays["keys"])

    # -- rows to words ----------------------------------------------------------------------------

    def __len__(self) -> int:
        rows = len(self._offsets) - 1
        return rows if self._limit is None else min(rows, self._limit)

    def _bytes(self, row: int) -> bytes:
        return self._blob[int(self._offsets[row]) : int(self._offsets[row + 1])]

    def word(self, row: int) -> str:
        """The word stored at ``row``."""
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._bytes(row).decode("utf-8", errors="replace")

    def words(self, rows: Iterable[int]) -> list[str]:
        """Many words at once: their offsets in one vectorised gather, then plain slices."""
        rows = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError("row out of range")
        blob = self._blob
        starts = np.asarray(self._offsets[rows]).tolist()
        ends = np.asarray(self._offsets[rows + 1]).tolist()
        return [blob[a:b].decode("utf-8", errors="replace") for a, b in zip(starts, ends)]

    # -- words to rows ----------------------------------------------------------------------------

    def _narrow(self, key: bytes) -> tuple[int, int]:
        k = np.array(key[:KEY_BYTES], dtype=KEY_DTYPE)
        return int(self._keys.searchsorted(k, "left")), int(self._keys.searchsorted(k, "right"))

    def _find(self, target: bytes, lo: int, hi: int) -> int | None:
        """Bisect ``order[lo:hi]`` (words sharing ``target``'s key) for the exact word."""
        while lo < hi:
            mid = (lo + hi) // 2
            if self._bytes(int(self._order[mid])) < target:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self._order):
            row = int(self._order[lo])
            if self._bytes(row) == target:
                return row
        return None

    def index(self, word: str) -> int | None:
        """The row of ``word`` as spelt, or None."""
        target = word.encode("utf-8", errors="surrogatepass")
        lo, hi = self._narrow(target)
        if lo == hi:
            return None
        row = self._find(target, lo, hi)
        return None if row is None or (self._limit is not None and row >= self._limit) else row

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.index(word) is not None

    def indices(self, words: Sequence[str]) -> np.ndarray:
        """Rows of many words at once (-1 where absent): one vectorised search for the whole batch.

        The usual case, one candidate per word, is checked with offsets gathered in one call and
        plain slices of the blob; only words sharing their first 16 bytes with others are bisected.
        """
        targets = [w.encode("utf-8", errors="surrogatepass") for w in words]
        if not targets:
            return np.empty(0, dtype=np.int64)
        keys = np.array([t[:KEY_BYTES] for t in targets], dtype=KEY_DTYPE)
        n = len(self._keys)
        los = self._keys.searchsorted(keys, "left")
        # Only words whose key is shared by the next entry need the (costly) right-hand search.
        found = np.zeros(len(keys), dtype=bool)
        inside = los < n
        found[inside] = np.asarray(self._keys[los[inside]]) == keys[inside]
        shared = found & (los + 1 < n)
        shared[shared] = np.asarray(self._keys[los[shared] + 1]) == keys[shared]
        his = np.where(found, los + 1, los)
        if shared.any():
            his[shared] = self._keys.searchsorted(keys[shared], "right")
        out = np.full(len(targets), -1, dtype=np.int64)
        single = np.flatnonzero(his - los == 1)
        if single.size:
            rows = np.asarray(self._order[los[single]], dtype=np.int64)
            starts = np.asarray(self._offsets[rows]).tolist()
            ends = np.asarray(self._offsets[rows + 1]).tolist()
            blob = self._blob
            hit = [blob[a:b] == targets[i] for i, a, b in zip(single.tolist(), starts, ends)]
            out[single[np.array(hit, dtype=bool)]] = rows[np.array(hit, dtype=bool)]
        for i in np.flatnonzero(his - los > 1).tolist():
            row = self._find(targets[i], int(los[i]), int(his[i]))
            if row is not None:
                out[i] = row
        if self._limit is not None:
            out[out >= self._limit] = -1
        return out

    def prefix_rows(self, prefix: str) -> np.ndarray:
        """Rows of every word starting with ``prefix``, in the words' sorted order."""
        p = prefix.encode("utf-8", errors="surrogatepass")
        if len(p) < KEY_BYTES:
            # 0xFF never occurs in UTF-8, so prefix + 0xFF sorts after every word that starts with it.
            lo = int(self._keys.searchsorted(np.array(p, dtype=KEY_DTYPE), "left"))
            hi = int(self._keys.searchsorted(np.array(p + b"\xff", dtype=KEY_DTYPE), "left"))
            rows = np.asarray(self._order[lo:hi])
        else:
            lo, hi = self._narrow(p)
            rows = np.asarray(self._order[lo:hi])
            rows = np.array([r for r in rows.tolist() if self._bytes(r).startswith(p)], dtype=np.int64)
        return rows if self._limit is None else rows[rows < self._limit]

    def complete(self, prefix: str, limit: int = 50) -> list[str]:
        """The ``limit`` most frequent words starting with ``prefix`` (the model's order), for completion."""
        rows = np.sort(self.prefix_rows(prefix))[:limit]
        return self.words(rows)


def build_arrays(
    words: Sequence[str], save: Callable[[str, np.ndarray], None] | None = None
) -> dict[str, np.ndarray]:
    """The four arrays for ``words`` (in row order); the cache writes exactly these.

    Written for 3M words, while gensim's copy of the model is still in memory: no list of 3M
    encoded words is built (keys and lengths are streamed into arrays), and the sort runs in C on
    the 16-byte keys, with Python only ordering the rare runs of long words that share a key. With
    ``save``, each array is handed over as soon as it is final and then dropped (the returned dict
    is empty), so the conversion never holds all four at once: its peak memory is gensim's.
    """

    def enc(w: str) -> bytes:
        return w.encode("utf-8", errors="surrogatepass")

    out: dict[str, np.ndarray] = {}

    def done(name: str, array: np.ndarray) -> None:
        if save is None:
            out[name] = array
        else:
            save(name, array)

    n = len(words)
    text = "".join(words)
    blob_bytes = enc(text)
    if len(blob_bytes) == len(text):  # all ASCII: a word's byte length is its length
        lengths = np.fromiter(map(len, words), dtype=np.int32, count=n)
    else:
        lengths = np.fromiter((len(enc(w)) for w in words), dtype=np.int32, count=n)
    del text
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    del lengths
    done("offsets", offsets)
    del offsets
    done("blob", np.frombuffer(blob_bytes, dtype=np.uint8))  # Vocab takes bytes too
    del blob_bytes
    keys = np.fromiter((enc(w)[:KEY_BYTES] for w in words), dtype=KEY_DTYPE, count=n)
    # Not a stable sort (it would need a buffer): equal keys are ordered by their full words below.
    order = np.argsort(keys).astype(np.int32)
    keys.sort()  # in place: the same order as ``order``, without a second array
    ties = np.flatnonzero(keys[1:] == keys[:-1])
    if ties.size:
        breaks = np.flatnonzero(np.diff(ties) > 1)
        starts = ties[np.r_[0, breaks + 1]]
        ends = ties[np.r_[breaks, ties.size - 1]] + 2
        for a, b in zip(starts.tolist(), ends.tolist()):
            order[a:b] = sorted(order[a:b].tolist(), key=lambda r: enc(words[r]))
    done("order", order)
    done("keys", keys)
    return out
