"""fastText's vectors for words outside the vocabulary, from character n-grams.

A fastText model keeps, besides its words, a matrix of ``bucket`` rows for character n-grams: the
n-grams of ``<word>`` (``minn`` to ``maxn`` characters, counted on UTF-8 character boundaries)
are hashed (FNV-1a over the bytes, each byte sign-extended as fastText's C++ ``char`` is) into a
row each. A word the model never saw gets the mean of its n-grams' rows, summed in float32 in
n-gram order: the vector gensim's ``FastTextKeyedVectors`` and fastText's ``print-word-vectors``
give it (tests/test_subwords.py compares with gensim). A word with no n-gram gets no vector.

These are ports of gensim's ``compute_ngrams_bytes`` and ``ft_hash_bytes`` (which port fastText's
``dictionary.cc``); the standard library alone, so that the numpy-free ``similar`` can use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_CONTINUATION_MASK, _CONTINUATION = 0xC0, 0x80  # UTF-8 bytes 10xxxxxx continue a character


def ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """The character n-grams of ``<word>`` as fastText takes them (UTF-8 bytes, whole characters)."""
    data = f"<{word}>".encode("utf-8", errors="surrogatepass")
    size = len(data)
    out = []
    for i in range(size):
        if data[i] & _CONTINUATION_MASK == _CONTINUATION:
            continue
        j, n = i, 1
        while j < size and n <= maxn:
            j += 1
            while j < size and data[j] & _CONTINUATION_MASK == _CONTINUATION:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                out.append(data[i:j])
            n += 1
    return out


def fasttext_hash(data: bytes) -> int:
    """FNV-1a, 32 bits, each byte sign-extended first (fastText's ``int8_t`` cast)."""
    h = 2166136261
    for b in data:
        h ^= b | 0xFFFFFF00 if b & 0x80 else b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ngram_rows(word: str, minn: int, maxn: int, bucket: int) -> list[int]:
    """The n-gram matrix rows of ``word``, in n-gram order (repeats kept, as fastText sums them)."""
    if bucket <= 0 or maxn <= 0:
        return []
    return [fasttext_hash(g) % bucket for g in ngrams(word, minn, maxn)]


class Subwords:
    """A model's n-gram matrix and hashing parameters: vectors for words it never saw."""

    def __init__(self, matrix: np.ndarray, minn: int, maxn: int, bucket: int):
        self.matrix, self.minn, self.maxn, self.bucket = matrix, minn, maxn, bucket

    def rows(self, word: str) -> list[int]:
        return ngram_rows(word, self.minn, self.maxn, self.bucket)

    def vector(self, word: str) -> np.ndarray | None:
        """``word``'s float32 vector (gensim's), or None when it has no n-gram."""
        import numpy as np

        rows = self.rows(word)
        if not rows:
            return None
        gathered = np.asarray(self.matrix[np.asarray(rows, dtype=np.int64)], dtype=np.float32)
        total = np.zeros(gathered.shape[1], dtype=np.float32)
        for row in gathered:  # in order, in float32, as gensim and fastText sum them
            total += row
        return total / np.float32(len(rows))
