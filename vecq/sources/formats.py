"""What a model file is, told from its first bytes, and whether it can fit in memory.

A format is named only on positive evidence (a magic number, a header line, a first line of numbers);
anything else is refused before a reader sees it.
"""

from __future__ import annotations

import os
import re
import shlex
import struct
from typing import TYPE_CHECKING

from ..cache.layout import words_path
from ..core.compressed import COMPRESSED, compression, open_file
from ..core.expression import is_number
from ..core.memory import available_memory
from ..core.text_lines import WIDE_MARKS
from ..errors import ModelError, counted, shorten
from . import word_list
from .catalogue import human_size, name_of_original_file
from .gensim_calls import spaced_row

if TYPE_CHECKING:
    from .source import Source


FASTTEXT_MAGIC = 793712314
# A word2vec file's header line: its rows and dimensions ("400000 50")
WORD2VEC_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s*")


PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")

# Compressed or archived bytes gensim cannot read as a model: what to do with them.
NOT_READ = {
    b"\x28\xb5\x2f\xfd": "zstd-compressed; decompress it (unzstd FILE), or recompress it as .gz, .bz2 or .xz",
    b"PK\x03\x04": "a zip archive (as GloVe's downloads are); unzip it and give one of its files",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive; extract it and give one of its files",
    **{
        mark: f"{name.upper()} text (it begins with a {name.upper()} byte-order mark), and model text is "
        f"read as UTF-8, as gensim reads it; convert it, e.g. iconv -f {name} -t utf-8 FILE > vectors.txt"
        for mark, name in WIDE_MARKS
    },
}


# gensim's vectors plus its dict of words: about this many bytes a word beyond the matrix itself.
PER_WORD_OVERHEAD = 200


def detect_format(path: str | os.PathLike, *, trust: bool = False) -> str:
    """Which reader fits ``path``, on positive evidence only; ModelError, saying why, for anything else.

    Evidence is a pickle's first byte, fastText's magic number or a plausible fastText header, a
    word2vec header line, or a GloVe first line of a word and numbers; every number a header claims
    is checked against the file's size before any reader sees the file, so a file of random bytes is
    refused in milliseconds (tests/test_bad_files.py::test_random_bytes_are_refused_at_once).
    """
    path = os.fspath(path)
    size = regular_file_size(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ModelError(f"cannot read {path}: {e.strerror or e}; check its permissions") from e
    if not head:
        raise ModelError(f"{path} is empty; it is not a model file")
    name = os.path.basename(path).lower()
    if len(head) >= 9 and head[8:9] == b"{" and 2 <= int.from_bytes(head[:8], "little") <= size - 8:
        return "safetensors"  # an 8-byte header length, then the JSON header (checked when read)
    if head.startswith(word_list.NPY_MAGIC):
        listed = words_path(path)
        if not os.path.exists(listed):
            raise ModelError(
                f"{path} is a numpy array with no words: put them in {os.path.basename(listed)} beside "
                "it, one a line in row order (as 'vecq export' writes them)"
            )
        return "npy"
    if name.endswith(PICKLE_SUFFIXES) or head[:1] == b"\x80":
        # gensim's native format. Trusted, gensim loads it; otherwise it is read as data by an
        # allow-list unpickler that refuses any name a KeyedVectors file does not need (kv_pickle).
        return "gensim-native" if trust else "gensim-kv"
    if _fasttext_header(path, head, size):
        return "fasttext-bin"
    for magic, what in NOT_READ.items():
        if head.startswith(magic):
            raise ModelError(f"{path} is {what}")
    suffix = compression(head)
    if suffix and not name.endswith(suffix):
        raise ModelError(
            f"{path} is {COMPRESSED[suffix].name}-compressed, but gensim decompresses it only in a file "
            f"named {suffix}; "
            f"rename it to {os.path.basename(path)}{suffix} (or decompress it)"
        )
    if suffix:
        with open_file(path) as f:
            head = f.read(4096)
        if _fasttext_at_all(path, head):
            raise ModelError(
                f"{path} is a compressed fastText .bin, which gensim reads as NaN vectors; decompress it "
                "first and give the .bin"
            )
    return _text_or_word2vec(path, head, None if suffix else size)


def _text_or_word2vec(path: str, head: bytes, size: int | None) -> str:
    """A word2vec file (its header line, then text or binary rows) or GloVe text (a first line of a
    word and numbers), from the first bytes ``head`` (decompressed; ``size`` None when compressed)."""
    marked = head.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark, which some editors write
    first, _, rest = head.removeprefix(b"\xef\xbb\xbf").partition(b"\n")
    header = WORD2VEC_HEADER.fullmatch(first)
    if header and marked:
        raise ModelError(f"{path} {marked_header(path)}")
    if header:
        rows, dims = int(header.group(1)), int(header.group(2))
        _check_claim(path, rows, dims, size, 2 * dims)
        binary = _word2vec_body(path, len(first) + 1 + 3 * marked, rows, dims)
        _check_claim(path, rows, dims, size, 4 * dims if binary else 2 * dims)
        return "word2vec-bin" if binary else "word2vec-text"
    fields = first.split()
    glove_like = len(fields) >= 2 and all(is_number(x) for x in fields[1:])
    if glove_like and b"\t" in first and len(first.strip().split(b" ")) < 2:
        raise ModelError(
            f"{path}: its values are separated by tabs, and word2vec and GloVe text (as gensim reads "
            f"them) separate them by spaces; convert it: tr '\\t' ' ' < {shlex.quote(path)} > vectors.txt"
        )
    if glove_like and not _looks_binary(head):
        second = rest.partition(b"\n")[0].split()
        if (
            not second
            or len(second) == len(fields)
            or b"\n" not in rest
            or spaced_row(second, len(fields) - 1)
        ):
            return "glove-text"
        raise ModelError(
            f"{path}: its first line reads as a word and {len(fields) - 1} numbers (GloVe text), but its "
            f"second holds {len(second)} fields; if the file is GloVe text it is damaged there (say "
            "⟨model_format=glove-text⟩ to have its first bad line named)"
        )
    if glove_like:
        raise ModelError(
            f"{path}: its first line reads as a word and numbers (GloVe text), but a tenth or more of "
            "its first bytes are control characters or not UTF-8, as in a binary file; if it is "
            "text, say so: ⟨model_format=glove-text⟩"
        )
    raise ModelError(
        f"{path} is not a model file vecq can read (expected word2vec binary or text, GloVe text, "
        "fastText .bin, a .npy or .safetensors matrix with NAME.words.txt beside it, or gensim's "
        "native .kv with ⟨trust⟩)"
    )


def regular_file_size(path: str) -> int:
    """The size of ``path`` if it is a regular file (through symlinks); a one-line ModelError if not."""
    import errno
    import stat

    try:
        st = os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ModelError(f"{path} is a loop of symbolic links; point it at the model file") from e
        if os.path.islink(path):
            target = os.readlink(path)
            raise ModelError(f"{path} is a symbolic link to {target}, which does not exist") from e
        if e.errno == errno.ENOENT:
            same = name_of_original_file(path)
            if same is not None:
                raise ModelError(
                    f"{path} does not exist; its vectors are the model named {same}: give ⟨model={same}⟩ "
                    "(downloaded once), or the file's path"
                ) from e
            raise ModelError(f"{path} does not exist; check the path, or run 'vecq models' for names") from e
        raise ModelError(f"cannot read {path}: {e.strerror or e}") from e
    if stat.S_ISDIR(st.st_mode):
        raise ModelError(f"{path} is a directory, not a model file; give the file inside it")
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
        raise ModelError(
            f"{path} is a pipe (as <(...) gives), and a model is read more than once; "
            "save it to a file and give that file"
        )
    if not stat.S_ISREG(st.st_mode):
        raise ModelError(f"{path} is a device, not a model file; give a word2vec, GloVe or fastText file")
    return st.st_size


def _check_claim(path: str, rows: int, dims: int, size: int | None, row_bytes: int) -> None:
    """Refuse a word2vec header whose shape cannot be true of the file (``size`` None: compressed)."""
    if not 1 <= dims <= MAX_DIMENSIONS:
        raise ModelError(f"{path}: its header claims {dims:,} dimensions; the file is damaged or not a model")
    if rows < 1:
        raise ModelError(f"{path}: its header claims {rows} rows; the file holds no vectors")
    if size is not None and rows * row_bytes > size:
        raise ModelError(
            f"{path}: its header claims {rows:,} x {dims:,} vectors, more than its {size:,} bytes can "
            "hold; the file is truncated or its header is wrong"
        )


MAX_DIMENSIONS = 100_000
# fastText's args, in its file: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn
# lrUpdateRate (int32 each), then t (a double); then the dictionary's size nwords nlabels (int32).
_FASTTEXT_ARGS = struct.Struct("<12id3i")


def _fasttext_header(path: str, head: bytes, size: int) -> bool:
    """Is this a fastText .bin? Its magic number, or (fastText before 0.2) a header whose every value
    is one fastText writes; a magic number over an impossible header is refused."""
    magic = len(head) >= 8 and struct.unpack_from("<i", head)[0] == FASTTEXT_MAGIC
    start = 8 if magic else 0
    if len(head) < start + _FASTTEXT_ARGS.size:
        if magic:
            raise ModelError(f"{path}: a fastText file cut short in its header; the file is truncated")
        return False
    dim, ws, epoch, _, neg, ngrams, loss, model, bucket, minn, maxn, lr_rate, t, entries, nwords, labels = (
        _FASTTEXT_ARGS.unpack_from(head, start)
    )
    plausible = (
        1 <= dim <= MAX_DIMENSIONS
        and 0 < ws <= 10_000
        and 0 < epoch <= 1_000_000
        and 0 <= neg <= 10_000
        and 1 <= ngrams <= 100
        and 1 <= loss <= 4
        and 1 <= model <= 3
        and 0 <= bucket <= 1 << 31
        and 0 <= minn <= maxn <= 1000
        and lr_rate > 0
        and 0 <= t < 1
        and 0 <= nwords <= entries
        and 0 <= labels <= entries
        and nwords + labels == entries
    )
    if not plausible:
        if magic:
            raise ModelError(f"{path}: a fastText file whose header is damaged; it cannot be read")
        return False
    if (nwords + bucket) * dim * 4 > size:
        raise ModelError(
            f"{path}: a fastText file whose header claims {nwords:,} words and {bucket:,} buckets of "
            f"{dim} dimensions, more than its {size:,} bytes can hold; the file is truncated"
        )
    return True


def check_fasttext(path: str) -> None:
    """A file read as fastText's .bin because its format was named: refused in one line when its
    header is not one fastText writes. gensim reads on through whatever the header claims (a
    damaged word count of millions: minutes of reading garbage), so a told format is checked as a
    format told from the bytes is."""
    with open_file(path) as f:
        head = f.read(256)
    with open(path, "rb") as raw:
        size = 1 << 62 if compression(raw.read(8)) else os.path.getsize(path)  # decompressed: unknown
    if not _fasttext_header(path, head, size):
        raise ModelError(
            f"{path}: its header is not one fastText writes (it is damaged, or not a fastText .bin); "
            "it cannot be read as fasttext-bin"
        )


def _fasttext_at_all(path: str, head: bytes) -> bool:
    """Is ``head`` a fastText .bin's, whole or damaged (its magic number over a header that cannot
    be read is fastText's all the same), its size unknown (compressed, or asked of its header only)?"""
    try:
        return _fasttext_header(path, head, 1 << 62)
    except ModelError:
        return True


SAMPLE_ROWS = 8  # rows read to tell word2vec text from binary
SAMPLE_BYTES = 8 << 20  # at most this much of them
READING_HELP = "choose with ⟨model_format=word2vec-text⟩ or word2vec-bin (gensim's binary=)"


def _word2vec_body(path: str, start: int, rows: int, dims: int) -> bool:
    """Whether the rows after a word2vec header are binary (True) or text (False), from its first
    rows (up to ``SAMPLE_ROWS``) read both ways. Text: each line a word and exactly ``dims`` numbers.
    Binary: each row a word, a space and ``dims`` finite float32s whose bytes do not read as text, the
    next word after an optional newline. A file that fits both, or neither while it does not read
    as text at all, is refused: a format is never guessed. (Text that breaks the text form further on
    is read as text, and its reader names the line.)"""
    want = min(rows, SAMPLE_ROWS)
    with open_file(path) as f:
        f.read(start)
        body = f.read(min(SAMPLE_BYTES, want * (dims * 40 + 1024)))
        whole = not f.read(1)
    text, binary = _text_rows(body, dims, want, whole), _binary_rows(body, dims, want)
    if not (text or binary) and whole and rows <= want and _binary_rows(body, dims, want, filled=True):
        # Binary rows whose floats' bytes read as text (b";pN?", b"=\nW=") fill the file exactly;
        # so would a damaged text file of the same length: which it is cannot be known.
        raise ModelError(
            f"{path}: its rows read as word2vec binary whose floats' bytes read as text, and "
            f"not as word2vec text; {READING_HELP}"
        )
    if text != binary:
        return binary
    if not text and not _looks_binary(body):
        return False
    tried = "both word2vec text and word2vec binary" if text else "neither word2vec text nor word2vec binary"
    raise ModelError(f"{path}: its first rows read as {tried}; {READING_HELP}")


def _text_rows(body: bytes, dims: int, want: int, whole: bool) -> bool:
    lines = body.split(b"\n")
    rows = [line.rstrip() for line in (lines if whole else lines[:-1])[:want] if line.strip()]
    return bool(rows) and all(
        len(parts := row.split(b" ")) == dims + 1 and parts[0] and all(is_number(x) for x in parts[1:])
        for row in rows
    )


def _binary_rows(body: bytes, dims: int, want: int, filled: bool = False) -> bool:
    """Do ``want`` binary rows begin ``body``, each word free of line ends,
    their floats finite and not text (or, ``filled``, whatever their bytes, with nothing but line
    ends after them)?"""
    import array

    at, floats = 0, b""
    for _ in range(want):
        if body[at : at + 1] == b"\n":
            at += 1
        space = body.find(b" ", at, at + 4096)
        row = body[space + 1 : space + 1 + 4 * dims]
        if space <= at or len(row) != 4 * dims:
            break
        if b"\n" in body[at:space]:
            return False  # a word never holds a line end, which ends a text row
        values = array.array("f", row)
        if any(x != x or x in (float("inf"), float("-inf")) for x in values):
            return False
        floats += row
        at = space + 1 + 4 * dims
    if filled:
        return len(floats) == 4 * dims * want and not body[at:].strip(b"\r\n")
    return bool(floats) and _looks_binary(floats)


def _looks_binary(body: bytes) -> bool:
    """Are under 90% of the characters of ``body``'s first 1,024 bytes text? The bytes are read as
    UTF-8 characters, so a word in any script (日, ж) is text; a byte that is not UTF-8, or a
    control character other than tab and line ends, is not."""
    if not body:
        return False
    import unicodedata

    chars = body[:1024].decode("utf-8", errors="replace")
    text = sum(c in "\t\n\r" or (c != "\ufffd" and unicodedata.category(c) != "Cc") for c in chars)
    return text < 0.9 * len(chars)


def header_shape(source: Source) -> tuple[int, int] | None:
    """(rows, dimensions) as a word2vec header claims them, before anything is allocated."""
    if source.format not in ("word2vec-bin", "word2vec-text"):
        return None
    try:
        with open_file(source.path) as f:
            first = f.readline(200).removeprefix(b"\xef\xbb\xbf")
    except (OSError, EOFError):
        return None
    m = WORD2VEC_HEADER.fullmatch(first)
    return (int(m.group(1)), int(m.group(2))) if m else None


def marked_header(path: str) -> str:
    """What is wrong with a word2vec file whose header line follows a UTF-8 byte-order mark."""
    return (
        "starts with a UTF-8 byte-order mark before its header line, which gensim cannot read; "
        f"remove it: sed -i '1s/^\\xEF\\xBB\\xBF//' {shlex.quote(path)}"
    )


def bad_binary_header(path: str) -> str | None:
    """What is wrong with the header line of a file read as word2vec's binary format, or None."""
    try:
        with open_file(path) as f:
            head = f.read(256)
    except (OSError, EOFError):
        return None
    if not head:
        return "it is empty; it is not a model file"
    if _fasttext_at_all(path, head):
        return "it is a fastText .bin, not word2vec's binary format: ⟨model_format=fasttext-bin⟩"
    first = head.partition(b"\n")[0]
    if WORD2VEC_HEADER.fullmatch(first) is None:
        shown = shorten(first[:40].decode("utf-8", errors="replace"))
        return f"its first line, {shown}, is not a word2vec header (its rows and dimensions: '400000 50')"
    return None


def first_bad_line(path: str, header: bool) -> str | None:
    """Where a word2vec or GloVe text file stops being readable: its line, word and value.

    Called after gensim failed (its messages name no line): the file is read again as gensim reads
    it, a word and then numbers separated by spaces, each line as many numbers as the first.
    """
    dims = None
    try:
        with open_file(path) as f:
            for number, raw in enumerate(f, 1):
                line = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip()
                if header and number == 1:
                    if raw.startswith(b"\xef\xbb\xbf"):
                        return f"it {marked_header(path)}"
                    claim = WORD2VEC_HEADER.fullmatch(raw.removeprefix(b"\xef\xbb\xbf"))
                    if claim is None:
                        return (
                            f"its first line, {shorten(line)}, is not a word2vec header (its rows and "
                            "dimensions: '400000 50'); a file of words and numbers without one is "
                            "GloVe text: ⟨model_format=glove-text⟩"
                        )
                    dims = int(claim.group(2))
                    continue
                word, *values = line.split(" ")
                dims = len(values) if dims is None else dims
                shown = shorten(word)
                tabs = " (values separated by tabs? gensim reads them separated by spaces)" * ("\t" in line)
                if "" in values[:-1]:  # gensim splits at every space: two in a row leave an empty value
                    tabs += (
                        " (values separated by two spaces? gensim reads them separated by one: "
                        f"tr -s ' ' < {shlex.quote(path)} > vectors.txt)"
                    )
                if len(values) != dims:
                    found = f"has {counted(len(values), 'value')}, expected {dims}"
                    return f"line {number:,} (the word {shown}) {found}{tabs}"
                for v in values:
                    try:
                        float(v)
                    except ValueError:
                        return f"line {number:,} (the word {shown}): {shorten(v)} is not a number{tabs}"
    except (OSError, EOFError, ValueError, IndexError):
        return None
    return None if dims is not None else "it is empty; it is not a model file"


def rows_beyond_header(source: Source, rows: int, dims: int, words: list[str]) -> int:
    """How many more rows than its header's ``rows`` a word2vec file holds (0 when none, or unknown).

    Text: the non-empty lines after the header are counted. Binary: the bytes gensim read for
    ``rows`` entries (header, each word and a space, the floats, at most a newline) are compared
    with the file's size, counting a leftover of a row's size or more.
    """
    if source.format == "word2vec-text":
        with open_file(source.path) as f:
            lines = sum(1 for line in f if line.strip()) - 1
        return max(0, lines - rows)
    if source.format != "word2vec-bin":
        return 0
    with open(source.path, "rb") as f:
        if compression(f.read(8)):
            return 0  # the decompressed size is not known without decompressing
    with open(source.path, "rb") as f:
        consumed = len(f.readline())
    dropped = rows - len(words)  # duplicates gensim read and dropped: their words are unknown
    longest = max((len(w.encode("utf-8", "surrogatepass")) for w in words), default=0)
    consumed += sum(len(w.encode("utf-8", "surrogatepass")) + 1 for w in words) + rows * dims * 4
    leftover = os.path.getsize(source.path) - consumed - rows - dropped * (longest + 1)
    return max(0, leftover // (dims * 4 + 2))


def check_memory(source: Source, available: int | None = None) -> None:
    """Refuse, before reading, a model whose matrix cannot fit in the memory available."""
    shape = header_shape(source)
    if shape is None:
        return
    rows, dims = shape
    if dims < 1 or dims > MAX_DIMENSIONS:
        raise ModelError(f"{source.path}: header claims {dims} dimensions; the file is damaged")
    if source.limit is not None:
        rows = min(rows, source.limit)
    need = rows * (dims * 4 + PER_WORD_OVERHEAD)
    available = available if available is not None else available_memory()
    if available is not None and need > available:
        fit = max(1, int(available * 0.8) // (dims * 4 + PER_WORD_OVERHEAD))
        raise ModelError(
            f"{source.path}: loading {rows:,} x {dims} vectors needs about {human_size(need)} of memory, "
            f"but {human_size(available)} is available; load fewer words with ⟨limit={min(fit, rows)}⟩"
        )
