"""Which table a folder or a Hub repo holds, and which of its files vecq must read to open it.

Decided from the list of file names alone (no file is read), so that a Hub repo is understood
before anything is downloaded. In order of preference, a repo holds:

1. a safetensors table with its ``tokenizer.json``: a model2vec model (``model.safetensors`` and
   ``config.json``), sentence-transformers' static embeddings (``0_StaticEmbedding/``), or a
   language model's checkpoint, one file or sharded behind ``model.safetensors.index.json``;
2. gensim KeyedVectors: ``NAME.model`` or ``NAME.kv`` beside ``NAME.model.vectors.npy`` (the fse
   repos), read by the allow-list unpickler;
3. a word2vec, GloVe or fastText file (``.bin``, ``.vec``, ``.txt``, optionally ``.gz``, ``.bz2``, ``.xz``).

PyTorch pickles (``pytorch_model.bin``, ``*.pt``, ``*.pth``, ``*.ckpt``) are code and never read.
When a repo holds several tables of one kind, the user names one (a file or folder in the repo).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ..core.compressed import COMPRESSED
from ..errors import ModelError

INDEX = "model.safetensors.index.json"
STATIC_FOLDER = "0_StaticEmbedding"
PICKLES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle")
NOT_VECTORS = ("pytorch_model.bin", "training_args.bin", "optimizer.bin", "scheduler.bin", "rng_state.bin")
VECTOR_FILES = tuple(f"{kind}{packed}" for packed in ("", *COMPRESSED) for kind in (".bin", ".vec", ".txt"))
TEXT_NOT_VECTORS = ("requirements.txt", "merges.txt", "vocab.txt", "license.txt", "readme.txt")
MAX_LISTED = 12
# A static model's settings (sources/text.py): model2vec's config, sentence-transformers' modules.
SETTINGS = ("config.json", "modules.json")


class Plan(NamedTuple):
    """How to open a table: its kind, the file the rows are in, and every file that must be present."""

    kind: str  # "safetensors" | "sharded" | "gensim-kv" | "vector-file"
    main: str  # the file (path within the folder or repo) holding the rows, or the shard index
    needs: tuple[str, ...]  # the files read besides ``main``: the tokenizer first, then the
    # model's settings; or the ``.npy`` arrays of a KeyedVectors


def folder_files(folder: str, depth: int | None = None) -> dict[str, int]:
    """The files of a local folder (path within it, ``/``-separated -> size), ``depth`` levels deep
    (all of them by default). An entry that cannot be read (a dangling link) is left out."""
    files: dict[str, int] = {}
    for root, dirs, names in os.walk(folder):
        inside = os.path.relpath(root, folder)
        if depth is not None and inside != "." and inside.count(os.sep) + 1 >= depth:
            dirs[:] = []
        for n in names:
            rel = n if inside == "." else os.path.join(inside, n).replace(os.sep, "/")
            try:
                files[rel] = os.path.getsize(os.path.join(root, n))
            except OSError:
                continue
    return files


def choose(files: dict[str, int], where: str, within: str = "") -> Plan:
    """The table in ``files`` (path -> size), within the file or folder ``within`` if given."""
    if within:
        within = within.strip("/")
        if within in files:
            return _plan_for_file(within, files, where)
        prefix = within + "/"
        inside = {path: size for path, size in files.items() if path.startswith(prefix)}
        if not inside:
            raise ModelError(f"{where} has no file or folder {within!r}; it holds: {_listing(files)}")
        plan = choose({p[len(prefix) :]: s for p, s in inside.items()}, f"{where}/{within}")
        return Plan(plan.kind, prefix + plan.main, tuple(prefix + n for n in plan.needs))
    for rank in (_safetensors, _gensim_kv, _vector_files):
        plans = rank(files)
        if len(plans) == 1:
            return plans[0]
        if plans:
            names = ", ".join(p.main for p in plans)
            raise ModelError(
                f"{where} holds several tables ({names}); name one after the repo or folder, e.g. {where}/"
                f"{plans[0].main}"
            )
    pickles = [p for p in files if p.endswith(PICKLES) or p.rsplit("/", 1)[-1] == "pytorch_model.bin"]
    if pickles:
        raise ModelError(
            f"{where} holds only PyTorch pickles ({', '.join(sorted(pickles)[:3])}), which run code when "
            "read; vecq reads tables from safetensors files, never from pickles"
        )
    raise ModelError(f"{where} holds no table vecq can read; it holds: {_listing(files)}")


def _listing(files: dict[str, int]) -> str:
    names = sorted(files)
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return (", ".join(names[:MAX_LISTED]) or "no files") + more


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def _safetensors(files: dict[str, int]) -> list[Plan]:
    plans = []
    for path in sorted(files):
        base, folder = path.rsplit("/", 1)[-1], _folder(path)
        if folder not in ("", STATIC_FOLDER + "/"):
            continue
        tokenizer = folder + "tokenizer.json"
        if tokenizer not in files:
            continue
        settings = tuple(n for n in SETTINGS if n in files)  # how a static model reads text
        if base == INDEX:
            plans.append(Plan("sharded", path, (tokenizer, *settings)))
        elif base == "model.safetensors" and folder + INDEX not in files:
            plans.append(Plan("safetensors", path, (tokenizer, *settings)))
    if len(plans) > 1:  # sentence-transformers' layout repeats the table at the root and in its module
        root = [p for p in plans if "/" not in p.main]
        plans = root or plans
    return plans


def _gensim_kv(files: dict[str, int]) -> list[Plan]:
    plans = []
    for path in sorted(files):
        if path.endswith((".model", ".kv")):
            arrays = tuple(sorted(p for p in files if p.startswith(path + ".") and p.endswith(".npy")))
            if arrays:
                plans.append(Plan("gensim-kv", path, arrays))
    return plans


def _vector_files(files: dict[str, int]) -> list[Plan]:
    plans = []
    for path in sorted(files):
        base = path.rsplit("/", 1)[-1].lower()
        if base.endswith(VECTOR_FILES) and base not in NOT_VECTORS and base not in TEXT_NOT_VECTORS:
            plans.append(Plan("vector-file", path, ()))
    return plans


def _plan_for_file(path: str, files: dict[str, int], where: str) -> Plan:
    base, folder = path.rsplit("/", 1)[-1], _folder(path)
    if base.endswith(PICKLES) or base == "pytorch_model.bin":
        raise ModelError(
            f"{where}/{path} is a PyTorch pickle, which runs code when read; vecq never reads one"
        )
    if base == INDEX:
        return Plan("sharded", path, (folder + "tokenizer.json",))
    if base.endswith(".safetensors"):
        return Plan("safetensors", path, (folder + "tokenizer.json",))
    if base.endswith((".model", ".kv")):
        return Plan(
            "gensim-kv",
            path,
            tuple(sorted(p for p in files if p.startswith(path + ".") and p.endswith(".npy"))),
        )
    return Plan("vector-file", path, ())
