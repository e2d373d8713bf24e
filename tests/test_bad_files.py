"""Bad model files: refused within a second, in one line saying what is wrong."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import invoke, tsv, write_text_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vecq.errors import ModelError
from vecq.sources.formats import FASTTEXT_MAGIC


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))


def refused(path, *args) -> str:
    """The one error line of a refused model, checked to come within a second with exit 4.

    A file refused while it is read (not from its first bytes) also has the note that its
    conversion began; nothing else is on stderr.
    """
    started = time.perf_counter()
    result = invoke(["-m", str(path), *args, "similar", "a", "b"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 4, (result.exit_code, result.stderr)
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("vecq: error: ")]
    assert all(x == line or "into the cache in" in x for x in result.stderr.splitlines())
    assert elapsed < 1.0, elapsed
    return line


@pytest.mark.parametrize(
    "name", ["random.bin", "random.txt", "random.vec", "random", "random.model.bin", "random.kv"]
)
@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_are_refused_at_once(tmp_path, name, seed):
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(seed).bytes(200_000))
    line = refused(path)
    assert "not a model file" in line or "damaged" in line or "not a readable gensim KeyedVectors" in line


def test_a_pickle_of_another_kind_is_refused_at_once_by_name(tmp_path):
    import pickle

    path = tmp_path / "dict.kv"
    path.write_bytes(pickle.dumps({"vectors": [1, 2, 3]}))
    assert "holds a dict, not gensim's KeyedVectors" in refused(path)
    path.write_bytes(pickle.dumps(__import__("collections").OrderedDict(a=1)))
    assert "collections.OrderedDict" in refused(path)


def test_a_fasttext_magic_over_garbage_is_refused(tmp_path):
    path = tmp_path / "fake.bin"
    path.write_bytes(struct.pack("<ii", FASTTEXT_MAGIC, 12) + np.random.default_rng(1).bytes(100_000))
    assert "fastText" in refused(path)


def test_a_fasttext_header_claiming_more_than_the_file_holds(tmp_path):
    from gensim.test.utils import datapath

    with open(datapath("lee_fasttext_new.bin"), "rb") as f:
        data = f.read()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[:5000])
    assert "truncated" in refused(path)


def test_a_fasttext_bin_named_as_such_is_checked_as_one_told_from_its_bytes(tmp_path):
    """``--model-format fasttext-bin`` skipped the header's checks: a word count damaged from 1,762
    to 3,475,170 had gensim read garbage for minutes (a fuzz of damaged files stopped it at 120 s);
    and a word2vec-bin named for a fastText file was "not enough values to unpack"."""
    from gensim.test.utils import datapath

    data = bytearray(Path(datapath("lee_fasttext.bin")).read_bytes())
    struct.pack_into("<i", data, 56, 3_475_170)  # the dictionary's size (fastText before 0.2: no magic)
    path = tmp_path / "damaged.bin"
    path.write_bytes(bytes(data))
    assert "not one fastText writes" in refused(path, "--model-format", "fasttext-bin")
    said = refused(datapath("lee_fasttext.bin"), "--model-format", "word2vec-bin")
    assert "is a fastText .bin" in said and "--model-format fasttext-bin" in said and "unpack" not in said


def test_numpys_warnings_from_gensims_arithmetic_stay_off_stderr(tmp_path):
    """A fastText file whose n-gram vectors are near float32's largest made gensim's sums overflow:
    numpy's "RuntimeWarning: overflow encountered in add" and gensim's source line reached
    stderr above vecq's one line naming the word."""
    from gensim.test.utils import datapath

    data = bytearray(Path(datapath("lee_fasttext.bin")).read_bytes())
    rows, dims, words = 2762, 10, 1762  # its input matrix: the words' rows, then the buckets'
    start = data.find(struct.pack("<qq", rows, dims)) + 16
    matrix = (
        np.frombuffer(bytes(data[start : start + rows * dims * 4]), dtype="<f4").copy().reshape(rows, dims)
    )
    matrix[words:] = 3e38
    data[start : start + rows * dims * 4] = matrix.tobytes()
    path = tmp_path / "huge.bin"
    path.write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:  # what Python would print on stderr
        warnings.simplefilter("always")
        said = refused(path)
    assert "holds NaN or an infinity" in said and "(row 0)" in said
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("3000000 300\nthe 1 2\n", "more than its"),
        ("5 0\n", "0 dimensions"),
        ("0 3\n", "0 rows"),
        ("2 900000\na 1\n", "900,000 dimensions"),
    ],
)
def test_word2vec_headers_that_cannot_be_true(tmp_path, text, says):
    path = tmp_path / "lies.txt"
    path.write_text(text)
    assert says in refused(path)


def test_a_symlink_loop_a_dangling_link_a_pipe_and_a_device(tmp_path):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    assert "loop of symbolic links" in refused(loop)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    assert "which does not exist" in refused(dangling)
    assert "a device" in refused("/dev/zero")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "is a pipe" in refused(fifo)


def test_a_process_substitution_is_told_to_save_the_file(small_model):
    """`-m <(cat model.txt)`, as bash passes it: /dev/fd/N, a pipe."""
    script = f"{sys.executable} -m vecq -m <(cat {small_model}) similar king queen"
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4 and "save it to a file" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("cat 1 2 3\ndog 1 . 3\n", "line 3 (the word 'dog'): '.' is not a number"),
        ("cat 1 2 3\ndog 1 2\n", "line 3 (the word 'dog') has 2 values, expected 3"),
        ("cat\t1\t2\t3\ndog\t1\t2\t3\n", "has 0 values, expected 3 (values separated by tabs?"),
        ("cat 1 2 3\ndog 1\t2 3 4\n", "'1\\t2' is not a number (values separated by tabs?"),
    ],
)
def test_parse_errors_name_the_line_and_the_word(tmp_path, body, says):
    path = tmp_path / "bad.txt"
    path.write_text("2 3\n" + body)
    assert says in refused(path)


@pytest.mark.parametrize("body", ["cat\t0.5\ndog\t0.25\n", "cat\t0.5\t1\ndog\t1\t2\n", "cat\t0.5\r\n"])
def test_a_glove_file_separated_by_tabs_is_told_so_with_the_fix(tmp_path, body):
    """gensim reads "cat<TAB>0.5" as a word of that name and no numbers: vecq said only "holds no
    vectors". The fix is one command; a word holding a tab before spaced numbers stays readable."""
    from gensim.models import KeyedVectors

    path = tmp_path / "tabs.txt"
    path.write_text(body)
    assert "separated by tabs" in refused(path) and "tr '\\t' ' '" in refused(path)
    assert KeyedVectors.load_word2vec_format(str(path), no_header=True).vector_size == 0  # gensim's reading
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(body.replace("\t", " "))
    assert invoke(["-m", str(fixed), "info"]).exit_code == 0


def test_a_short_text_file_with_control_characters_says_how_to_read_it_as_text(tmp_path, monkeypatch):
    """A one-line GloVe file whose word holds U+0085 twice is a fifth control characters: refused as
    possibly binary, with the option that reads it (it said only "not a model file")."""
    import vecq

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "small.txt"
    path.write_text("\x85\x85xx 12345.678 \n", encoding="utf-8")
    assert "if it is text, say so: --model-format glove-text" in refused(path)
    assert list(vecq.load(str(path), model_format="glove-text").index_to_key) == ["\x85\x85xx"]


def test_glove_parse_errors_name_the_line_too(tmp_path):
    path = tmp_path / "bad.glove"
    path.write_text("cat 1 2 3\ndog 1 2 3\nbird 1 x 3\n")
    assert "line 3 (the word 'bird'): 'x' is not a number" in refused(path)


def test_a_header_claiming_fewer_rows_than_the_text_holds(tmp_path, small_words):
    words, vectors = small_words
    path = write_text_model(tmp_path / "m.txt", words[:100], vectors[:100])
    path.write_text(path.read_text().replace("100 50\n", "50 50\n", 1))
    line = refused(path)
    assert "header says 50 rows" in line and "50 more" in line and "--limit 50" in line
    result = invoke(["-m", str(path), "--limit", "50", "info", "-f", "tsv"])
    assert result.exit_code == 0 and tsv(result.stdout)[0]["vocabulary"] == "50"


def test_a_header_claiming_fewer_rows_than_the_binary_holds(tmp_path, small_words):
    from gensim.models import KeyedVectors

    words, vectors = small_words
    kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
    kv.add_vectors(words[:100], vectors[:100])
    path = tmp_path / "m.bin"
    kv.save_word2vec_format(str(path), binary=True)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"100 50\n", b"60 50\n", 1))
    assert "header says 60 rows" in refused(path)
    full = tmp_path / "full.bin"
    full.write_bytes(data)
    assert invoke(["-m", str(full), "info"]).exit_code == 0  # a true header passes


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path, small_words):
    words, vectors = small_words
    path = tmp_path / "bom.glove"
    lines = [w + " " + " ".join(f"{x:.5f}" for x in v) for w, v in zip(words[:50], vectors[:50])]
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    result = invoke(["-m", str(path), "similar", words[0], words[1]])
    assert result.exit_code == 0, result.stderr
    marked = tmp_path / "bom.txt"
    marked.write_bytes(b"\xef\xbb\xbf" + f"50 50\n{chr(10).join(lines)}\n".encode())
    assert "byte-order mark" in refused(marked)
    # the format named (--model-format, the API's load_word2vec_format) says it too, not int()'s words
    said = refused(marked, "--model-format", "word2vec-text")
    assert "byte-order mark" in said and "invalid literal" not in said
    import vecq

    with pytest.raises(ModelError, match="byte-order mark"):
        vecq.KeyedVectors.load_word2vec_format(str(marked))


@pytest.mark.parametrize(
    "first, says",
    [
        ("6x5", "its first line, '6x5', is not a word2vec header"),
        (None, "its first line, 'the 0.1 0.2', is not a word2vec header"),
        ("", "it is empty"),
    ],
)
def test_a_word2vec_text_file_named_as_such_without_its_header_says_so(tmp_path, first, says):
    """With the format named (``--model-format word2vec-text``, ``load_word2vec_format``), a first
    line that is no header was Python's "invalid literal for int() with base 10: 'the'", and an
    empty file "not enough values to unpack (expected 2, got 0)"."""
    path = tmp_path / "m.txt"
    body = "the 0.1 0.2\ncat 0.2 0.1\n"
    path.write_text("" if first == "" else (body if first is None else f"{first}\n{body}"))
    said = refused(path, "--model-format", "word2vec-text")
    assert says in said and "invalid literal" not in said and "unpack" not in said
    if first is None:
        assert "--model-format glove-text" in said
        assert (
            invoke(["-m", str(path), "--model-format", "glove-text", "similar", "the", "cat"]).exit_code == 0
        )


def test_values_separated_by_two_spaces_are_said_so(tmp_path, small_words):
    """gensim splits a line at every space, so '0.1  0.2' holds an empty value: the line was "has
    99 values, expected 50", which a reader counting the numbers cannot see."""
    words, vectors = small_words
    path = tmp_path / "spaced.txt"
    lines = [w + " " + "  ".join(f"{x:.5f}" for x in v) for w, v in zip(words[:5], vectors[:5])]
    path.write_text(f"5 50\n{chr(10).join(lines)}\n")
    said = refused(path)
    assert "two spaces" in said and f"tr -s ' ' < {path}" in said


@pytest.mark.parametrize("binary", [True, False])
def test_a_word2vec_word_that_begins_with_u_feff_keeps_it_as_gensim_reads_it(tmp_path, small_words, binary):
    """In a word2vec file the first word follows the header: a U+FEFF there is the word's own. Taken
    off, '\\ufeffcat' became a second 'cat' (whose vector then answered for the first) and
    '\\ufeff' an empty word."""
    from gensim.models import KeyedVectors

    words, vectors = small_words
    names = ["\ufeff" + words[3], "\ufeff", *words[:10]]
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(names, vectors[: len(names)])
    path = tmp_path / ("m.bin" if binary else "m.txt")
    kv.save_word2vec_format(str(path), binary=binary)
    oracle = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    result = invoke(["-m", str(path), "vector", words[3], "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert np.array_equal(np.float32(record["vector"]), oracle[words[3]])
    listed = invoke(["-m", str(path), "export", "-o", str(tmp_path / "out.npy")])
    assert listed.exit_code == 0, listed.stderr
    written = (tmp_path / "out.words.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert written == oracle.index_to_key


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")]
)
def test_a_model_saved_as_utf16_or_utf32_says_so(tmp_path, small_words, encoding, name):
    """A model text file saved by a Windows editor as "Unicode" (UTF-16 with a byte-order mark) was
    "not a model file vecq can read": the encoding and the command that converts it."""
    words, vectors = small_words
    lines = [w + " " + " ".join(f"{x:.5f}" for x in v) for w, v in zip(words[:20], vectors[:20])]
    for stem, text in (("w2v", f"20 50\n{chr(10).join(lines)}\n"), ("glove", "\n".join(lines) + "\n")):
        path = tmp_path / f"{stem}.txt"
        path.write_bytes(
            ("\ufeff" + text).encode(encoding) if encoding.endswith("-be") else text.encode(encoding)
        )
        said = refused(path)
        assert f"is {name} text" in said and f"iconv -f {name.lower()} -t utf-8" in said


def test_a_glove_files_byte_order_mark_never_renames_its_first_word_into_another(tmp_path, small_words):
    words, vectors = small_words

    def glove(names) -> str:
        lines = [w + " " + " ".join(f"{x:.5f}" for x in v) for w, v in zip(names, vectors)]
        path = tmp_path / f"m{len(list(tmp_path.iterdir()))}.glove"
        path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
        listed = invoke(["-m", str(path), "export", "-o", str(path.with_suffix(".npy"))])
        assert listed.exit_code == 0, listed.stderr
        return path.with_suffix(".words.txt").read_text(encoding="utf-8").split("\n")[:-1]

    assert glove(words[:5]) == words[:5]  # the file's mark, off its first word
    repeated = [words[1], *words[:5]]  # the first word, bare, is another: kept as gensim reads it
    assert glove(repeated) == ["\ufeff" + words[1], *words[:5]]


@pytest.mark.parametrize(
    "suffix, pack", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)]
)
@pytest.mark.parametrize("binary", [False, True])
def test_compressed_files_are_told_by_their_bytes_and_read_as_gensim_reads_them(
    tmp_path, small_words, suffix, pack, binary
):
    """gensim (through smart_open) reads .gz, .bz2 and .xz files by their names; vecq tells them by
    their bytes, reads the same words and floats, and says to rename one whose name hides it."""
    from gensim.models import KeyedVectors

    import vecq

    words, vectors = small_words
    plain = write_text_model(tmp_path / "m.txt", words[:2000], vectors[:2000])
    if binary:
        KeyedVectors.load_word2vec_format(plain).save_word2vec_format(str(tmp_path / "m.bin"), binary=True)
        plain = tmp_path / "m.bin"
    packed = pack(plain.read_bytes())
    path = tmp_path / "m.data"  # no telling suffix: gensim would read it as text
    path.write_bytes(packed)
    assert f"rename it to m.data{suffix}" in refused(path)
    named = tmp_path / f"m{plain.suffix}{suffix}"
    named.write_bytes(packed)
    oracle = KeyedVectors.load_word2vec_format(str(named), binary=binary)
    kv = vecq.load(str(named))
    assert list(kv.index_to_key) == oracle.index_to_key
    assert kv.vectors.tobytes() == oracle.vectors.tobytes()
    # a download stopped halfway: it was "interrupted" (exit 130), the EOFError taken for Ctrl-D
    for size in (len(packed) // 2, len(packed) - 30):
        cut = tmp_path / f"cut-{size}{plain.suffix}{suffix}"
        cut.write_bytes(packed[:size])
        message = refused(cut)
        assert (
            f"cut-{size}{plain.suffix}{suffix} is a damaged {suffix} file: it ends before its end marker"
            in message
        )


def test_every_compression_names_a_file_and_a_repos_table():
    """The suffixes a model spec and a repo's files end with include every compression vecq reads
    (sources/names.py writes them out, so that a query need not import core/compressed.py)."""
    from vecq.core.compressed import COMPRESSED
    from vecq.sources.layouts import VECTOR_FILES
    from vecq.sources.names import FILE_SUFFIXES

    assert set(COMPRESSED) <= set(FILE_SUFFIXES)
    assert {f".txt{suffix}" for suffix in COMPRESSED} <= set(VECTOR_FILES)


def test_a_compressed_fasttext_bin_is_refused_not_read_as_nan(tmp_path):
    """gensim's load_facebook_vectors reads a gzipped .bin into NaN vectors: vecq says to decompress."""
    from gensim.models.fasttext import load_facebook_vectors
    from gensim.test.utils import datapath

    path = tmp_path / "lee.bin.gz"
    path.write_bytes(gzip.compress(Path(datapath("lee_fasttext.bin")).read_bytes()))
    with np.errstate(all="ignore"):
        assert np.isnan(load_facebook_vectors(str(path)).vectors).any()  # the oracle's own failure
    assert "is a compressed fastText .bin, which gensim reads as NaN vectors; decompress it" in refused(path)


@pytest.mark.parametrize(
    "head, says",
    [
        (b"\x28\xb5\x2f\xfd", "zstd-compressed; decompress it"),
        (b"PK\x03\x04", "a zip archive (as GloVe's downloads are); unzip it"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    ],
)
def test_archives_and_compression_gensim_cannot_read_say_what_to_do(tmp_path, head, says):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(head + bytes(range(256)) * 8)
    assert says in refused(path)


WORD_CHARACTERS = "abcé日本ж\u00a0-_.'\"#*+1"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(
        st.text(WORD_CHARACTERS, min_size=1, max_size=6), min_size=1, max_size=6, unique=True
    ).filter(lambda ws: all(w.strip() == w for w in ws)),
    dims=st.integers(1, 4),
    kind=st.sampled_from(["word2vec-text", "word2vec-bin", "glove-text"]),
    seed=st.integers(0, 2**16),
)
def test_a_small_file_of_words_in_any_script_reads_as_gensim_reads_it(
    tmp_path_factory, monkeypatch, words, dims, kind, seed
):
    """Short files whose words are in several scripts: a GloVe file of three words such as 日 was
    refused as binary (its UTF-8 bytes counted one by one), and a word2vec text file read as
    both text and binary. gensim is the oracle: the same words, in order, and the same floats."""
    from gensim.models import KeyedVectors

    import vecq

    folder = tmp_path_factory.mktemp("scripts")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(folder / "cache"))
    vectors = np.round(np.random.default_rng(seed).normal(size=(len(words), dims)), 4)
    path = folder / ("model.bin" if kind == "word2vec-bin" else "model.txt")
    if kind == "word2vec-bin":
        kv = KeyedVectors(dims)
        kv.add_vectors(words, vectors.astype(np.float32))
        kv.save_word2vec_format(str(path), binary=True)
    else:
        header = f"{len(words)} {dims}\n" if kind == "word2vec-text" else ""
        rows = (w + " " + " ".join(repr(float(x)) for x in v) for w, v in zip(words, vectors))
        path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    theirs = KeyedVectors.load_word2vec_format(
        str(path), binary=kind == "word2vec-bin", no_header=kind == "glove-text"
    )
    try:
        ours = vecq.load(str(path))
    except ModelError as e:  # binary rows that read as text too: vecq does not guess
        import unicodedata

        # text: UTF-8 characters that are not control characters, besides tab and line ends
        chars = theirs.vectors.astype("<f4").tobytes().decode("utf-8", errors="replace")
        text = sum(c in "\t\n\r" or (c != "\ufffd" and unicodedata.category(c) != "Cc") for c in chars)
        assert kind == "word2vec-bin" and "read as text" in str(e) and text >= 0.9 * len(chars)
        ours = vecq.load(str(path), model_format="word2vec-bin")
    assert list(ours.index_to_key) == list(theirs.index_to_key) == words
    assert np.array_equal(np.asarray(ours.vectors), theirs.vectors)


@pytest.mark.parametrize("floats", [b";pN?", b"=\nW="], ids=["printable", "a line end"])
def test_binary_rows_whose_floats_read_as_text_are_refused_not_read_as_text(tmp_path, floats):
    """b'1 ;pN?' is a word and one float in binary, or a damaged text file: one line, no guess."""
    from gensim.models import KeyedVectors

    path = tmp_path / "one.bin"
    kv = KeyedVectors(1)
    kv.add_vectors(["1"], np.frombuffer(floats, dtype="<f4").reshape(1, 1))
    kv.save_word2vec_format(str(path), binary=True)
    assert path.read_bytes() == b"1 1\n1 " + floats
    message = refused(path)
    assert "read as text" in message and "model-format" in message
    result = invoke(["-m", str(path), "--model-format", "word2vec-bin", "vector", "1", "-f", "json"])
    assert json.loads(result.stdout)[0]["vector"] == [float(np.frombuffer(floats, dtype="<f4")[0])]


@pytest.mark.parametrize("dims", [1, 2])
def test_a_text_file_with_a_damaged_number_is_not_read_as_binary(tmp_path, dims):
    """``2 1 / w0 \\xfd.4789 / w1 -0.0957``: a byte that is not text in a number failed the text
    form, and the rows read as binary: ``w0`` a float of its number's first bytes, and a word
    ``'89\\nw1'`` across the line end (gensim refuses the file). A binary row's word never holds a
    line end (word2vec splits words at whitespace); the text reader names the damaged line."""
    path = tmp_path / "damaged.txt"
    more = " 0.5" * (dims - 1)  # the numbers after the first, each after a space
    path.write_bytes(
        f"2 {dims}\n".encode() + b"w0 \xfd.4789" + more.encode() + f"\nw1 -0.0957{more}\n".encode()
    )
    assert refused(path).endswith(
        "damaged.txt: line 2: its numbers hold bytes that are not text (fd): the file is damaged; "
        "download or write it again"
    )


@pytest.mark.parametrize("header", [False, True])
def test_words_holding_spaces_are_read_with_them_where_gensim_refuses_the_file(tmp_path, small_words, header):
    """GloVe 840B's '. . .' and 'at name@domain.com': a line's last fields are its numbers and the
    fields before them its word. gensim refuses such a file ("could not convert string to float");
    vecq reads it, says which words hold spaces, and answers for every word as gensim does for the
    same file without them (gensim's own reading of such a file stays its refusal)."""
    from gensim.models import KeyedVectors

    import vecq

    words, vectors = small_words[0][:300], small_words[1][:300]
    spaced = {10: ". . .", 150: "at name@domain.com", 299: "a  b"}  # rows replaced by spaced words
    lines = [
        f"{spaced.get(i, w)} " + " ".join(f"{x:.5f}" for x in v)
        for i, (w, v) in enumerate(zip(words, vectors))
    ]
    plain = [line for i, line in enumerate(lines) if i not in spaced]
    path, oracle_path = tmp_path / "spaced.txt", tmp_path / "plain.txt"
    path.write_text((f"300 {vectors.shape[1]}\n" if header else "") + "\n".join(lines) + "\n")
    oracle_path.write_text((f"297 {vectors.shape[1]}\n" if header else "") + "\n".join(plain) + "\n")
    with pytest.raises(ValueError, match="could not convert string to float"):
        KeyedVectors.load_word2vec_format(str(path), no_header=not header)
    result = invoke(["-m", str(path), "info"])
    assert result.exit_code == 0, result.stderr
    assert "3 words hold spaces ('. . .', 'at name@domain.com', 'a  b')" in result.stderr
    ours = vecq.load(str(path))
    oracle = KeyedVectors.load_word2vec_format(str(oracle_path), no_header=not header)
    assert [ours.index_to_key[i] for i in spaced] == list(spaced.values())
    assert [w for i, w in enumerate(ours.index_to_key) if i not in spaced] == oracle.index_to_key
    kept = [i for i in range(300) if i not in spaced]
    assert np.array_equal(ours.vectors[kept], oracle.vectors)
    for row, word in spaced.items():
        assert np.allclose(ours[word], vectors[row], atol=1e-5)
    assert ours.most_similar(words[5], topn=5)[0][0] == oracle.most_similar(words[5], topn=5)[0][0]
    neighbours = tsv(invoke(["-m", str(path), "neighbors", "at name@domain.com", "-n", "3"]).stdout)
    assert [r["query"] for r in neighbours] == ["at name@domain.com"] * 3


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("dog 0.5 0.25 0.125 1", "line 3 (the word 'dog') has 4 values, expected 3"),  # a number too many
        ("dog x 0.5 0.25 0.125 1", "line 3 (the word 'dog') has 5 values, expected 3"),
        ("dog 0.5 . 0.125", "'.' is not a number"),
    ],
)
def test_a_row_with_a_number_too_many_is_never_read_as_a_spaced_word(tmp_path, line, says):
    """A spaced word's last field before its numbers is not a number: a damaged row holding one
    number too many stays an error naming its line, never the word 'dog 0.5'."""
    path = tmp_path / "damaged.txt"
    path.write_text("the 0.1 0.2 0.3\ncat 0.5 0.25 0.125\n" + line + "\n")
    assert says in refused(path)
