"""Reading a model file into words and a float32 matrix: gensim's readers, and the offline GloVe.

Only this module (and ``download``) imports gensim, and only when a model must be converted; a
query that finds its cache never pays for the import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from ..cache.layout import COUNTS
from ..core.compressed import decompression_failure, open_file
from ..errors import ModelError, counted, first_few
from ..progress import NULL_REPORTER, Reporter
from ..records import STORED_TYPES
from .formats import (
    bad_binary_header,
    check_fasttext,
    check_memory,
    first_bad_line,
    header_shape,
    rows_beyond_header,
)
from .gensim_calls import one_line, quiet_gensim, spaced_words
from .word_list import mark_off

if TYPE_CHECKING:
    import numpy as np

    from .source import Source


STREAM_ROWS = 1 << 16  # rows between two hand-overs to the cache writer while gensim parses


def read(
    source: Source,
    reporter: Reporter = NULL_REPORTER,
    on_rows: Callable[[np.ndarray, int], None] | None = None,
    details: dict | None = None,
    arrays: dict | None = None,
) -> tuple[list[str], np.ndarray]:
    """Words (row order) and their raw float32 vectors, read through gensim (or the kumo package).

    ``on_rows(matrix, n)`` is told, every ``STREAM_ROWS`` rows of a word2vec or GloVe file, that
    rows ``[0, n)`` of the matrix gensim is filling are final, so they can be written meanwhile.
    ``details`` receives what ``info`` shows of a token table (tensor, dtype, shape, tokenizer), or
    of a fastText model's subwords (``subwords``: minn, maxn, bucket); ``arrays`` the arrays the cache
    keeps beside the rows (a fastText model's n-gram matrix, ``ngrams``).
    """
    if source.format == "kumo":
        return _read_kumo(source)
    if source.format == "gensim-kv":
        from . import kv_pickle

        words, vectors = kv_pickle.read(source.path, source.limit)
        _stored_type(source, vectors, details)
        return words, vectors
    if source.format == "npy":
        from . import word_list

        return word_list.read_npy(source.path, source.limit)
    if source.format == "safetensors":
        from . import safetensors_table

        return safetensors_table.read(source.path, source.limit, source.tensor, details, arrays)
    check_memory(source)
    with spaced_words() as spaced:
        kv = _parsed(source, reporter, on_rows)
    _say_spaced(source, spaced.found, details)
    header = header_shape(source) if source.limit is None else None
    # gensim's own list, not a copy: at 3M words a copy made while gensim's dict is still alive
    # would be the conversion's peak. Dropping ``kv`` frees the dict before the cache is written.
    words, vectors = kv.index_to_key, kv.vectors
    _stored_type(source, vectors, details)
    _fasttext_arrays(source, kv, len(words), details, arrays)
    del kv
    listed = len(words)
    words, vectors = _distinct_words(words, vectors, headerless=source.format == "glove-text")
    if details is not None and len(words) < listed:
        details.setdefault("notes", []).append(
            f"{source.name} lists {counted(listed - len(words), 'word')} more than once: the first vector of "
            "each is kept, as gensim keeps it"
        )
    if header is not None:
        more = rows_beyond_header(source, *header, words)
        if more:
            raise ModelError(
                f"{source.path}: its header says {header[0]:,} rows, but the file holds at least {more:,} "
                f"more; correct the header's first number, or read only those rows with ⟨limit={header[0]}⟩"
            )
    return words, vectors


def _stored_type(source: Source, vectors: np.ndarray, details: dict | None) -> None:
    """A gensim file whose vectors are float16 or float64 (gensim's ``dtype``): the type, kept as
    the table's ``dtype`` (``vecq info``, and the API hands the vectors out in it, as gensim's
    ``load``), and for float64 a note that the cache holds float32 (its further digits are lost)."""
    stored = STORED_TYPES.get(vectors.dtype.name)
    if details is None or stored is None:
        return
    details["dtype"] = stored
    if stored == "F64":
        details.setdefault("notes", []).append(
            f"{source.name} holds float64 vectors: vecq keeps them as float32, about 7 significant digits "
            "(the digits beyond are not kept)"
        )


def _say_spaced(source: Source, found: list[str], details: dict | None) -> None:
    """A note naming the words that hold spaces (``gensim_calls.SpacedWords``), which gensim refuses."""
    if found and details is not None:
        shown = first_few([repr(w) for w in found[:4]], 3)
        details.setdefault("notes", []).append(
            f"{source.name}: {counted(len(found), 'word')} {'hold' if len(found) > 1 else 'holds'} spaces "
            f"({shown}), read with them: such a line's last fields are its numbers (gensim refuses the file)"
        )


def _fasttext_arrays(source: Source, kv: Any, rows: int, details: dict | None, arrays: dict | None) -> None:
    """A fastText model's n-gram matrix and settings, and its file's own counts, for the cache."""
    ngrams = getattr(kv, "vectors_ngrams", None)
    if ngrams is not None and arrays is not None and details is not None and ngrams.size:
        arrays["ngrams"] = ngrams  # gensim's own array, written as it is: never a second copy
        details["subwords"] = {"minn": int(kv.min_n), "maxn": int(kv.max_n), "bucket": int(kv.bucket)}
    if source.format == "fasttext-bin" and arrays is not None and "count" in kv.expandos:
        # a fastText file's own counts (a word2vec file has none: gensim makes them up)
        import numpy as np

        arrays[COUNTS] = np.asarray(kv.expandos["count"][:rows], dtype=np.int64)


def _parsed(source: Source, reporter: Reporter, on_rows: Callable[[np.ndarray, int], None] | None) -> Any:
    """gensim's KeyedVectors of ``source``; its many kinds of failure as one line naming the file."""
    with reporter.task(f"reading {os.path.basename(source.path)} with gensim", None), quiet_gensim():
        try:
            return _read_gensim(source, on_rows)
        except ModelError:
            raise
        except MemoryError as e:
            raise ModelError(f"{source.path}: out of memory while loading; try ⟨limit=N⟩") from e
        except UnicodeDecodeError as e:
            raise ModelError(f"{source.path}: {not_utf8(source, e)}") from e
        except Exception as e:  # gensim signals bad files with many types: ValueError, EOFError, ...
            failed = decompression_failure(source.path, e)
            if failed:
                raise failed from e
            where = None
            if source.format in ("word2vec-text", "glove-text"):
                where = first_bad_line(source.path, header=source.format == "word2vec-text")
            elif source.format == "word2vec-bin":
                where = bad_binary_header(source.path)
            raise ModelError(f"cannot read {source.path} as {source.format}: {where or one_line(e)}") from e


def _distinct_words(
    words: Sequence[str | None], vectors: np.ndarray, headerless: bool
) -> tuple[list[str], np.ndarray]:
    """gensim's words as a list, without the empty slot it leaves for each repeat of a word (the
    first is kept), and, in a file with no header line (GloVe's text), without the UTF-8 byte-order
    mark that began the file and so the first word.

    The mark is taken off only there, and only when what is left is a word the model does not hold
    already: elsewhere (a word2vec file's first word comes after its header) a leading U+FEFF is
    part of the word, as gensim reads it, and a word is never renamed into another or into nothing.
    """
    if not isinstance(words, list):
        words = list(words)
    if any(not isinstance(w, str) for w in words):
        keep = [i for i, w in enumerate(words) if isinstance(w, str)]
        words, vectors = [words[i] for i in keep], vectors[keep]
    if headerless:
        mark_off(cast("list[str]", words))
    return cast("list[str]", words), vectors


def not_utf8(source: Source, e: UnicodeDecodeError) -> str:
    """What is wrong with a word that is not valid UTF-8, and where: its line in a text file (or,
    where the line's word is whole, that its numbers are damaged)."""
    bad = e.object[e.start : e.end] if isinstance(e.object, bytes) else b""
    where = "a word"
    if source.format != "word2vec-bin":
        with open_file(source.path) as f:
            for number, line in enumerate(f, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as in_line:
                    if _is_utf8(line.split(maxsplit=1)[0]):
                        # the word is whole: the bad bytes are among its numbers, which no reading mends
                        damaged = in_line.object[in_line.start : in_line.end].hex(" ")
                        return (
                            f"line {number:,}: its numbers hold bytes that are not text ({damaged}): "
                            "the file is damaged; download or write it again"
                        )
                    where = f"line {number:,}: a word"
                    break
    return (
        f"{where} is not valid UTF-8 (the bytes {bad.hex(' ')}); read such words "
        "with ⟨unicode_errors=replace⟩ (U+FFFD in their place) or ignore (the bad bytes left out)"
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_gensim(source: Source, on_rows: Callable[[np.ndarray, int], None] | None = None) -> Any:
    import numpy as np

    fmt, path, limit = source.format, source.path, source.limit
    if fmt == "gensim-native":
        from gensim.utils import SaveLoad

        obj = SaveLoad.load(path)
        kv = getattr(obj, "wv", obj)
        if not hasattr(kv, "index_to_key"):
            raise ModelError(f"{path} holds a {type(obj).__name__}, not word vectors")
        if limit is not None:
            kv.index_to_key, kv.vectors = kv.index_to_key[:limit], kv.vectors[:limit]
        return kv
    if fmt == "fasttext-bin":
        from gensim.models.fasttext import load_facebook_vectors

        check_fasttext(path)
        kv = load_facebook_vectors(path)
        if limit is not None:
            kv.index_to_key, kv.vectors = kv.index_to_key[:limit], kv.vectors[:limit]
        return kv
    # 1e39 in a text file is an infinity, which the cache's writer names (quiet_gensim keeps numpy's
    # "overflow encountered in cast" off stderr, as every warning from inside gensim)
    return _lean_keyed_vectors(on_rows).load_word2vec_format(
        path,
        binary=fmt == "word2vec-bin",
        no_header=fmt == "glove-text",
        limit=limit,
        unicode_errors=source.unicode_errors,
        datatype=np.float32,
    )


def _lean_keyed_vectors(on_rows: Callable[[np.ndarray, int], None] | None = None) -> Any:
    """gensim's KeyedVectors, minus the made-up count it stores for every word of a word2vec file.

    The file carries no counts, so gensim invents descending ones (an int64 array, 24 MB at 3M
    words, plus a dict lookup per word); vecq never reads them. Parsing is still gensim's own.
    gensim sets that count right after adding each word's vector, which makes it the place to tell
    ``on_rows`` how far the matrix is filled, at no cost per word beyond one comparison.
    """
    from gensim.models import KeyedVectors

    class LeanKeyedVectors(KeyedVectors):
        def set_vecattr(self, key: Any, attr: str, val: Any) -> None:
            if attr != "count":
                super().set_vecattr(key, attr, val)
            elif on_rows is not None and self.next_index % STREAM_ROWS == 0:
                on_rows(self.vectors, self.next_index)

    return LeanKeyedVectors


def _read_kumo(source: Source) -> tuple[list[str], np.ndarray]:
    folder = os.path.dirname(source.path)
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ModelError("reading the offline GloVe needs pyarrow: pip install 'vecq[glove]'") from e
    index = os.path.join(folder, "glove_6B_index.parquet")
    words = pq.read_table(index, columns=["index"]).column("index").to_pylist()
    import numpy as np

    vectors = np.load(source.path, mmap_mode="r", allow_pickle=False)
    if source.limit is not None:
        words, vectors = words[: source.limit], vectors[: source.limit]
    return [str(w) for w in words], vectors
