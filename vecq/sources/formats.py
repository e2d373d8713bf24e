"""What a model file is, told from its first bytes, and whether it can fit in memory.

A format is named only on positive evidence (a magic number, a header line, a first line of numbers);
anything else is refused before a reader sees it.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..errors import ModelError
from .catalogue import human_size

if TYPE_CHECKING:
    from .names import Source


FASTTEXT_MAGIC = 793712314


PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")


# gensim's vectors plus its dict of words: about this many bytes a word beyond the matrix itself.
PER_WORD_OVERHEAD = 200


def detect_format(path: str | os.PathLike, *, trust: bool = False) -> str:
    """Which gensim reader fits ``path``: by its first bytes, with the suffix as a tie-breaker."""
    if os.path.isdir(path):
        raise ModelError(f"{path} is a directory, not a model file; give the file inside it")
    if not os.path.exists(path):
        raise ModelError(f"{path} does not exist; check the path, or run 'vecq models' for names")
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ModelError(f"cannot read {path}: {e.strerror or e}; check its permissions") from e
    if not head:
        raise ModelError(f"{path} is empty; it is not a model file")
    name = os.path.basename(path).lower()
    if name.endswith(PICKLE_SUFFIXES) or head[:1] == b"\x80":
        if not trust:
            raise ModelError(
                f"{path} is a pickle (gensim's native format), and loading a pickle can run any code "
                "inside it; pass --trust only if you trust where the file came from"
            )
        return "gensim-native"
    if len(head) >= 4 and int.from_bytes(head[:4], "little", signed=True) == FASTTEXT_MAGIC:
        return "fasttext-bin"
    if head[:2] == b"\x1f\x8b":
        import gzip

        try:
            with gzip.open(path, "rb") as f:
                head = f.read(4096)
        except (OSError, EOFError) as e:
            raise ModelError(f"{path} is a damaged gzip file: {e}") from e
    first, _, rest = head.partition(b"\n")
    if re.fullmatch(rb"\s*\d+\s+\d+\s*", first):
        return "word2vec-bin" if _looks_binary(rest) else "word2vec-text"
    if name.endswith(".bin") and _looks_binary(head):
        return "fasttext-bin"  # files of fastText before 0.2 start without the magic number
    fields = first.split()
    if len(fields) >= 2 and all(_is_number(x) for x in fields[1:]):
        return "glove-text"
    raise ModelError(
        f"{path} is not a model file vecq can read (expected word2vec binary or text, GloVe text, "
        "fastText .bin, or gensim's native .kv with --trust)"
    )


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _looks_binary(body: bytes) -> bool:
    if not body:
        return False
    text_like = sum(32 <= b < 127 or b in (9, 10, 13) for b in body[:1024])
    return text_like < 0.9 * min(len(body), 1024)


def header_shape(source: Source) -> tuple[int, int] | None:
    """(rows, dimensions) as a word2vec header claims them, before anything is allocated."""
    if source.format not in ("word2vec-bin", "word2vec-text"):
        return None
    import gzip

    opener = gzip.open if source.path.endswith(".gz") else open
    try:
        with opener(source.path, "rb") as f:
            first = f.readline(200)
    except (OSError, EOFError):
        return None
    m = re.fullmatch(rb"\s*(\d+)\s+(\d+)\s*", first)
    return (int(m.group(1)), int(m.group(2))) if m else None


def check_memory(source: Source, available: int | None = None) -> None:
    """Refuse, before reading, a model whose matrix cannot fit in the memory available."""
    shape = header_shape(source)
    if shape is None:
        return
    rows, dims = shape
    if dims < 1 or dims > 100_000:
        raise ModelError(f"{source.path}: header claims {dims} dimensions; the file is damaged")
    if source.limit is not None:
        rows = min(rows, source.limit)
    need = rows * (dims * 4 + PER_WORD_OVERHEAD)
    available = available if available is not None else available_memory()
    if available is not None and need > available:
        fit = max(1, int(available * 0.8) // (dims * 4 + PER_WORD_OVERHEAD))
        raise ModelError(
            f"{source.path}: loading {rows:,} x {dims} vectors needs about {human_size(need)} of memory, "
            f"but {human_size(available)} is available; load fewer words with --limit {min(fit, rows)}"
        )


def available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
