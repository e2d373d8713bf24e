"""Where a model's cache lives and whether it can be used: the folder, the manifest, a few stat calls.

Kept apart from the writer and the reader (numpy) because deciding that a cache is usable is also the
first step of the answers that never import numpy (``pair_reader.py``). Paths are strings joined
with ``os.path`` (docs/design.md, "Start-up": no pathlib on the query path).

Invariants, each held by a test in tests/test_store.py:
- a cache folder is keyed by what the model *is*: a file's resolved path (symlinks and relative
  spellings reach one cache) or a catalogue name; ``--limit`` only adds a key when no full cache exists;
- a cache is used only while its files have the sizes and the head and tail checksums its manifest
  lists (``check``); a damaged one is never mapped;
- a cache is used while its source is unchanged (size, mtime, ctime, inode, of the file and of its
  companion ``.npy`` files), and also once the source is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zlib
from typing import BinaryIO, NamedTuple, Protocol, TypedDict, cast

from .. import jsondata
from ..errors import CacheError, VecqError
from ..records import ModelInfo
from .files import size_mismatch

FORMAT_VERSION = 5
MANIFEST = "manifest.json"
ARRAYS = (
    "vectors.npy",
    "norms.npy",
    "residuals.npy",
    "far_rows.npy",
    "far_vectors.npy",
    "offsets.npy",
    "order.npy",
    "keys.npy",
)
FILES = (*ARRAYS, "words.bin")
COUNTS = "counts"  # counts.npy: each word's count, as a fastText file holds them (int64, row order)
INDEX_FOLDER = "ivf"  # the approximate index (vecq/ann), inside a model's cache folder
BLOCK_SUMS = "blocks.crc32"  # the crc32 of every block of every other file (cache.files.CHECK_BLOCK)
DAMAGED = "damaged"  # a marker file: the cache was found damaged (its text says how); never mapped
SOURCE_GONE = "source-gone"  # a marker file: the note that the source is gone was given once
CHECKED_BYTES = 4096  # at each end of each file: the npy headers and the first and last rows


class Manifest(TypedDict, total=False):
    """What ``manifest.json`` holds (written last by ``writer.Conversion``; every field read here is
    checked for its type by ``check`` before the manifest is used)."""

    format: int  # FORMAT_VERSION
    key: str  # the cache's key: a file's resolved path, a catalogue name, a Hub name
    name: str  # the name it was converted under
    source: str  # the file it was read from, or the Hub address with its commit
    source_format: str
    source_identity: list[list] | None  # name, size, mtime, ctime, inode of the file and companions
    revision: str | None  # a Hub model's commit
    table: dict | None  # a token table's tensor, dtype, shape, tokenizer
    subwords: dict | None  # fastText: minn, maxn, bucket
    text: dict | None  # how a token table reads text (sources/text.py)
    limit: int | None
    rows: int
    dimensions: int
    created: str
    zero_rows: list[int] | None
    files: dict[str, int]  # each file's size
    block_size: int  # the bytes each checksum of BLOCK_SUMS covers
    checksums: dict[str, int]  # each file's crc32 of its first and last CHECKED_BYTES


class Origin(Protocol):
    """What the cache knows of a model's source (``sources.source.Source`` is one)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def limit(self) -> int | None: ...
    @property
    def remote(self) -> str | None: ...
    @property
    def revision(self) -> str | None: ...


def index_dir(folder: str | os.PathLike) -> str:
    """Where the approximate index of the cache in ``folder`` lives (present or not)."""
    return os.path.join(folder, INDEX_FOLDER)


def cache_root() -> str:
    """``VECQ_CACHE_DIR``, else ``$XDG_CACHE_HOME/vecq``, else ``~/.cache/vecq``. A relative
    ``XDG_CACHE_HOME`` is ignored, as the XDG Base Directory spec says (it would put a cache of
    gigabytes under whichever folder vecq runs in)."""
    env = os.environ.get("VECQ_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    xdg = os.path.expanduser(os.environ.get("XDG_CACHE_HOME", ""))
    return os.path.join(xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache"), "vecq")


def entry_dir(key: str, limit: int | None = None, root: str | os.PathLike | None = None) -> str:
    """The folder for the model ``key``: a readable slug of it and a hash of key and limit."""
    raw = f"{key}\0{limit}".encode("utf-8", "surrogatepass")
    digest = f"{zlib.crc32(raw):08x}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(key))[:60].strip("-") or "model"
    return os.path.join(root or cache_root(), f"{slug}-{digest}")


# ``entry_dir``'s names: a slug, then the hash. Only such folders and their lock files are ever
# listed or removed as caches: VECQ_CACHE_DIR may name a folder that holds other things too.
_ENTRY_NAME = re.compile(r"[A-Za-z0-9._-]+-[0-9a-f]{8}")


def is_entry(folder: str | os.PathLike) -> bool:
    """Is ``folder`` a cache vecq wrote: ``entry_dir``'s name, and the lock file of its conversion
    beside it or a manifest in it that names it (never a folder of the user's that shares the cache
    root, though its name has a slug and eight hex digits and it holds a ``manifest.json``)?"""
    folder = os.fspath(folder)
    name = os.path.basename(folder)
    if not _ENTRY_NAME.fullmatch(name):
        return False
    return os.path.isfile(folder + ".lock") or _manifest_names(folder, name)


def _manifest_names(folder: str, name: str) -> bool:
    """Does ``folder``'s manifest give the key and limit whose ``entry_dir`` is ``name``?"""
    try:
        manifest = jsondata.load(os.path.join(folder, MANIFEST), "manifest", max_bytes=MAX_MANIFEST)
    except VecqError:  # missing, unreadable, not JSON: names nothing
        return False
    key, limit = (manifest.get("key"), manifest.get("limit")) if isinstance(manifest, dict) else (None, None)
    if not isinstance(key, str) or not (limit is None or type(limit) is int):
        return False
    return os.path.basename(entry_dir(key, limit, folder)) == name


def is_entry_lock(path: str | os.PathLike) -> bool:
    """Is ``path`` the (empty) lock file of an ``entry_dir`` conversion?"""
    path = os.fspath(path)
    name = os.path.basename(path)
    return (
        name.endswith(".lock")
        and bool(_ENTRY_NAME.fullmatch(name[: -len(".lock")]))
        and os.path.isfile(path)
        and os.path.getsize(path) == 0
    )


def words_path(path: str) -> str:
    """Where the words of an exported matrix are: ``NAME.words.txt`` beside ``NAME.npy`` or
    ``NAME.safetensors``, one a line in row order (written by ``sources/export.py``, read by
    ``sources/word_list.py``)."""
    return os.path.splitext(path)[0] + ".words.txt"


def companions(path: str) -> list[str]:
    """The files a model's rows come from besides ``path``: the arrays gensim keeps beside a native
    ``.kv``/``.model`` file (``NAME.vectors.npy``, ...), the ``tokenizer.json`` naming a checkpoint's rows,
    the ``NAME.words.txt`` naming an exported matrix's."""
    folder, base = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    found = [n for n in names if n.startswith(base + ".") and n.endswith(".npy")]
    listed = os.path.basename(words_path(base))
    if base.endswith((".npy", ".safetensors")) and listed in names:
        found.append(listed)
    if base.endswith(".safetensors") and "tokenizer.json" in names:
        found.append("tokenizer.json")
    if base.endswith(".safetensors.index.json"):  # a sharded checkpoint: its shards and tokenizer
        found += [n for n in names if n.endswith(".safetensors") or n == "tokenizer.json"]
    return sorted(os.path.join(folder, n) for n in found)


def identity(path: str) -> list[list]:
    """What says a source file is unchanged: of it and its companions, name, size, mtime, ctime, inode.

    The ctime and the inode change whenever the contents are rewritten, even when the size and the
    mtime are put back. Raises OSError when the file is gone.
    """
    out = []
    for p in [path, *companions(path)]:
        st = os.stat(p)
        out.append([os.path.basename(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return out


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading (unbuffered bytes) if it is a regular file; OSError otherwise.

    Opened without blocking, then checked: a FIFO or a device put in place of a cache file is
    refused at once, where a plain ``open`` of a FIFO waits for a writer for ever.
    """
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"{os.path.basename(path)} is not a regular file")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return cast(BinaryIO, open(fd, "rb", buffering=0, closefd=True))
    except BaseException:
        os.close(fd)
        raise


def edge_checksum(path: str, size: int) -> int:
    """crc32 of the first and last ``CHECKED_BYTES`` of a file: headers, and bytes at both ends."""
    with open_regular(path) as f:
        data = f.read(CHECKED_BYTES)
        if size > CHECKED_BYTES:
            f.seek(max(CHECKED_BYTES, size - CHECKED_BYTES))
            data += f.read(CHECKED_BYTES)
    return zlib.crc32(data)


def block_sum_order(sizes: dict[str, int]) -> list[str]:
    """The files whose block checksums ``BLOCK_SUMS`` holds, in its order."""
    return sorted(name for name in sizes if name != BLOCK_SUMS)


def first_block_sum(sizes: dict[str, int], name: str, block: int) -> int:
    """Where the checksums of ``name``'s blocks start in ``BLOCK_SUMS`` (counted in checksums)."""
    at = 0
    for other in block_sum_order(sizes):
        if other == name:
            return at
        at += -(-sizes[other] // block)
    raise KeyError(name)


def block_as_written(
    folder: str, manifest: Manifest, name: str, block: int, opened: dict[str, BinaryIO] | None = None
) -> bool:
    """Is block ``block`` of the cache file ``name`` as it was written? (True for an older cache.)
    ``opened``: the cache's files already open (``BLOCK_SUMS`` and ``name``), else opened here."""
    sizes, size = manifest["files"], manifest.get("block_size")
    if BLOCK_SUMS not in sizes or not size:
        return True
    at = first_block_sum(sizes, name, size) + block
    with contextlib.ExitStack() as files:
        sums, data = (
            opened[n]
            if opened and n in opened
            else files.enter_context(open_regular(os.path.join(folder, n)))
            for n in (BLOCK_SUMS, name)
        )
        expected = int.from_bytes(os.pread(sums.fileno(), 4, 4 * at), "little")
        return zlib.crc32(os.pread(data.fileno(), size, block * size)) == expected


def damaged_blocks(folder: str, manifest: Manifest) -> list[tuple[str, int]]:
    """(file, block) of every block whose bytes are not those written: the whole cache read once.

    An empty list for a cache whose every byte is as written; a cache of an older vecq (no block
    checksums) is checked by its edge checksums alone.
    """
    import array

    from .files import CHECK_BLOCK, block_sums

    sizes = manifest.get("files", {})
    if BLOCK_SUMS not in sizes or manifest.get("block_size") != CHECK_BLOCK:
        return []
    expected = array.array("I")
    with open_regular(os.path.join(folder, BLOCK_SUMS)) as f:
        expected.frombytes(f.read())
    bad, at = [], 0
    for name in block_sum_order(sizes):
        count = -(-sizes[name] // CHECK_BLOCK)
        now = block_sums(os.path.join(folder, name))
        bad += [(name, i) for i in range(count) if i >= len(now) or now[i] != expected[at + i]]
        at += count
    return bad


MAX_MANIFEST = 64 << 20  # the manifest of a model of 10,000 listed zero rows is about 100 KB


def _check_manifest(manifest: dict) -> None:
    """Every field of a manifest that vecq reads, by its type (a CacheError naming the first wrong)."""
    f = jsondata.Fields("the manifest", CacheError)
    for key in ("key", "name", "source", "source_format"):
        f.string(manifest.get(key), key)
    f.integer(manifest.get("rows"), "rows", 1)
    f.integer(manifest.get("dimensions"), "dimensions", 1)
    f.optional(manifest, "limit", f.integer, "", 1)
    f.optional(manifest, "block_size", f.integer, "", 1)
    f.optional(manifest, "revision", f.string, "")
    for key in ("files", "checksums"):
        for name, value in f.object(manifest.get(key), key).items():
            f.integer(value, f"{key}[{name!r}]", 0, (1 << 62) if key == "files" else 0xFFFFFFFF)
    f.optional(manifest, "zero_rows", f.integers, "")
    identity = f.optional(manifest, "source_identity", f.array, "") or []
    for i, entry in enumerate(identity):
        f.string(f.array(entry, f"source_identity[{i}]", 5)[0], f"source_identity[{i}][0]")
        for j in range(1, 5):
            f.integer(entry[j], f"source_identity[{i}][{j}]")
    for key in ("table", "text"):
        f.optional(manifest, key, f.object, "")
    subwords = f.optional(manifest, "subwords", f.object, "")
    if subwords is not None:
        for key in ("minn", "maxn", "bucket"):
            f.integer(subwords.get(key), f"subwords.{key}")
    text = manifest.get("text") or {}
    f.optional(text, "max_length", f.integer, "text.", 1)
    f.optional(text, "median_token_length", f.integer, "text.", 0)
    f.optional(text, "unk_id", f.integer, "text.")
    for key in ("static", "normalize"):
        f.optional(text, key, f.boolean, "text.")
    for key in ("tensor", "dtype", "tokenizer"):
        f.optional(manifest.get("table") or {}, key, f.string, "table.")


class Status(NamedTuple):
    """Whether a cache folder can be used, and why not."""

    ok: bool
    reason: str = ""
    manifest: Manifest | None = None
    damaged: bool = False  # the files are not what the manifest says: never to be mapped
    source_gone: bool = False  # usable, but its source no longer exists

    @property
    def usable(self) -> Manifest:
        """The manifest of a cache that can be used (``ok``: then there always is one)."""
        if not self.ok or self.manifest is None:
            raise ValueError(f"the cache cannot be used: {self.reason}")
        return self.manifest


def check(folder: str | os.PathLike, verify_source: bool = True) -> Status:
    """Is ``folder`` a complete, undamaged cache (of a source unchanged since, or gone)?

    Costs a few stat calls and 2 reads of 4 KiB per file.
    """
    try:
        with open_regular(os.path.join(folder, MANIFEST)) as f:
            raw = f.read(MAX_MANIFEST + 1)
    except (FileNotFoundError, NotADirectoryError):
        return Status(False, "missing")
    except OSError as e:
        return Status(False, f"its manifest is unreadable ({e})", damaged=True)
    try:
        manifest = jsondata.parse(raw, "the manifest", MAX_MANIFEST, error=CacheError)
        if jsondata.Fields("the manifest", CacheError).object(manifest, "it").get("format") != FORMAT_VERSION:
            return Status(False, "made by another version of vecq", manifest)
        _check_manifest(manifest)
        manifest = cast(Manifest, manifest)
    except CacheError as e:
        return Status(False, f"its manifest is damaged ({e.message})", damaged=True)
    try:
        with open_regular(os.path.join(folder, DAMAGED)) as f:
            reason = f.read(500).decode("utf-8", errors="replace")
        return Status(False, reason or "damaged", manifest, damaged=True)
    except FileNotFoundError:
        pass
    except OSError as e:  # something else under that name: damaged all the same
        return Status(False, str(e), manifest, damaged=True)
    sizes = manifest.get("files", {})
    wrong = size_mismatch(folder, sizes)
    if wrong is not None:
        return Status(False, wrong, manifest, damaged=True)
    try:
        for name, expected in manifest.get("checksums", {}).items():
            if edge_checksum(os.path.join(folder, name), sizes[name]) != expected:
                return Status(False, f"{name} was changed after it was written", manifest, damaged=True)
    except (OSError, KeyError) as e:
        return Status(False, f"its files cannot be read ({e})", manifest, damaged=True)
    if verify_source and manifest.get("source_identity") is not None:
        try:
            now = identity(manifest["source"])
        except OSError:
            return Status(True, f"{manifest['source']} is gone", manifest, source_gone=True)
        if now != manifest["source_identity"]:
            return Status(False, "the model file changed since it was converted", manifest)
    return Status(True, "", manifest)


# The manifest fields that say what a cache holds, leaving out where and when it was made: two
# caches with equal fields answer every query with the same bits (the conversion is deterministic).
CONTENT_FIELDS = ("rows", "dimensions", "limit", "zero_rows", "files", "checksums", "subwords", "text")


def content_identity(manifest: Manifest) -> dict:
    """What makes two caches the same model, wherever they were built (``cli/workers.py``)."""
    return {name: manifest.get(name) for name in CONTENT_FIELDS}


def content_of(folder: str | os.PathLike) -> str:
    """The content identity of the cache in ``folder``, as JSON: what is kept about a cached model
    (an alignment's map) or checked of it (a Dask worker's copy) is keyed by it, never by the
    folder's name alone, which stays the same when a changed model file is converted again."""
    manifest = jsondata.load(os.path.join(folder, MANIFEST), "manifest", error=CacheError)
    return json.dumps(content_identity(cast(Manifest, manifest)), sort_keys=True)


def content_key(folder: str | os.PathLike) -> str:
    """``content_of`` in eight hex digits, for a file's name."""
    return f"{zlib.crc32(content_of(folder).encode()):08x}"


def model_info(manifest: Manifest, limit: int | None = None, name: str | None = None) -> ModelInfo:
    """The model as records show it (``name``: as the user named it this time, default the first
    name it was converted under); with ``limit``, the first ``limit`` rows of a full cache."""
    rows = manifest["rows"] if limit is None else min(limit, manifest["rows"])
    table = manifest.get("table") or {}
    return ModelInfo(
        name or manifest["name"],
        manifest["source"],
        rows,
        manifest["dimensions"],
        manifest.get("revision"),
        table.get("tensor"),
        table.get("dtype"),
        table.get("tokenizer"),
        (manifest.get("text") or {}).get("max_length"),
        manifest.get("source_format"),
    )
