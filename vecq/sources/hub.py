"""Models on the Hugging Face Hub: ``hf:OWNER/NAME[/PATH][@REVISION]``, fetched with huggingface_hub.

What a repo holds is decided from its file list (``layouts.py``). Whole files (a gensim
KeyedVectors and its ``.npy``, a word2vec or fastText file, a static model's small table, tokenizers)
are downloaded by ``hf_hub_download`` into huggingface_hub's own cache (``HF_HOME``,
``HF_HUB_CACHE``), where other tools find them too. A language model's table is fetched alone: its
file's header by a range request, then the table's byte range, streamed into a file of parts that
lives only until the table is in vecq's cache; a 16 GB checkpoint costs its table's bytes.

huggingface_hub reads ``HF_TOKEN`` (gated and private repos) and ``HF_ENDPOINT`` (mirrors); vecq
reads ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` when it is called, so they work however late they are set.
Once converted, a Hub model is answered from vecq's cache by its name, without the network;
``vecq download hf:...`` asks the Hub again for the revision's commit.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import ModelError, NoSpaceError, UnavailableError, VecqError
from ..progress import NULL_REPORTER, Reporter, Task

if TYPE_CHECKING:
    from .layouts import Plan

PREFIX = "hf:"
DEFAULT_REVISION = "main"
FETCH_CHUNK = 8 << 20  # bytes per read of a streamed range
WHOLE_FILE_SHARE = 0.9  # a safetensors file mostly made of its table is downloaded whole (and cached)
HUB_ELSEWHERE = "point HF_HOME (or VECQ_CACHE_DIR) at a larger disk"
STAGING = ".hub-parts"  # in the cache root: the folders of tables fetched in parts, until converted
STAGING_PREFIX = "hub-parts-"  # then PID@HOST- (``cache.files.sweep_dead``)
_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_BARE = re.compile(rf"^{_PART}/{_PART}$")


class HubName(NamedTuple):
    repo: str  # OWNER/NAME
    path: str  # a file or folder inside the repo, or ""
    revision: str | None  # as typed; None for the default branch

    @property
    def key(self) -> str:
        """The cache key: the name with its revision spelled out (no network needed to find it)."""
        inside = f"/{self.path}" if self.path else ""
        return f"{PREFIX}{self.repo}{inside}@{self.revision or DEFAULT_REVISION}"

    @property
    def shown(self) -> str:
        inside = f"/{self.path}" if self.path else ""
        return f"{PREFIX}{self.repo}{inside}" + (f"@{self.revision}" if self.revision else "")


def parse(spec: str) -> HubName | None:
    """``hf:OWNER/NAME[/PATH][@REVISION]``, or a bare ``OWNER/NAME``; None for anything else."""
    if spec.startswith(PREFIX):
        body, _, revision = spec[len(PREFIX) :].partition("@")
        parts = body.strip("/").split("/")
        if len(parts) == 1 and re.fullmatch(_PART, parts[0]):  # hf:gpt2, a name the Hub redirects
            raise ModelError(
                f"{spec!r} names no owner: vecq reads a Hub model as hf:OWNER/NAME; its page, "
                f"{endpoint()}/{parts[0]}, shows the full name (gpt2's is openai-community/gpt2)"
            )
        if len(parts) < 2 or not all(re.fullmatch(_PART, p) for p in parts[:2]) or "" in parts:
            raise ModelError(
                f"{spec!r} is not a Hub model name; write hf:OWNER/NAME, e.g. hf:fse/glove-wiki-gigaword-50"
            )
        if "@" in spec and not revision:
            raise ModelError(f"{spec!r} names no revision after '@'; give a branch, tag or commit")
        return HubName("/".join(parts[:2]), "/".join(parts[2:]), revision or None)
    if _BARE.match(spec):
        return HubName(spec, "", None)
    return None


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def cache_dir() -> str | None:
    """huggingface_hub's cache as the environment says now (its own constants are read at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return os.path.join(os.path.expanduser(os.environ["HF_HOME"]), "hub")
    return None


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")


class Fetched(NamedTuple):
    """What a Hub model's files became here: what to read, how, and where it came from."""

    path: str  # the file to read (in huggingface_hub's cache, or a staging folder)
    format: str
    remote: str  # hf:OWNER/NAME@COMMIT/PATH
    revision: str  # the commit
    staging: str | None  # a folder of fetched parts, removed once converted


def fetch(
    name: HubName, staging_root: str, reporter: Reporter = NULL_REPORTER, tensor: str | None = None
) -> Fetched:
    """What to read for a Hub model: its files downloaded (or its table fetched), as a ``Source``'s
    fields (path, format, remote, revision, staging). Every request has a deadline, every body a
    bound (``hub_http``), and every file downloaded whole is checked against the hash the Hub lists."""
    from . import layouts

    if offline():
        return _from_local_snapshot(name, tensor)
    from .hub_http import guarded

    with guarded():
        commit, files, hashes = _listing(name)
        plan = layouts.choose(files, PREFIX + name.repo, name.path)
        remote = f"{PREFIX}{name.repo}@{commit}/{plan.main}"
        if plan.kind in ("safetensors", "sharded"):
            return _fetch_table(name, commit, files, hashes, plan, staging_root, reporter, tensor, remote)
        wanted = (plan.main, *plan.needs)
        paths = [_download(name, commit, f, files.get(f), hashes.get(f), reporter) for f in wanted]
    return Fetched(paths[0], _format_of(plan, paths[0]), remote, commit, None)


def _format_of(plan: Plan, path: str) -> str:
    from .formats import detect_format

    return "gensim-kv" if plan.kind == "gensim-kv" else detect_format(path)


def commit_of(name: HubName) -> str:
    """The commit the revision points at now (asks the Hub)."""
    from .hub_http import guarded

    with guarded():
        return _listing(name)[0]


class Hash(NamedTuple):
    """What the Hub lists as a file's content: an LFS file's sha256, or a git blob's sha1."""

    kind: str  # "sha256" | "git-sha1"
    hexdigest: str


def _listing(name: HubName) -> tuple[str, dict[str, int], dict[str, Hash]]:
    """The commit the revision points at, the repo's files there (path -> size) and the hash the
    Hub lists for each (path -> Hash, where it lists one)."""
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=endpoint()).model_info(
            name.repo, revision=name.revision or DEFAULT_REVISION, files_metadata=True
        )
    except Exception as e:
        raise hub_error(name, e) from e
    files: dict[str, int] = {}
    hashes: dict[str, Hash] = {}
    for sibling in info.siblings or []:
        files[sibling.rfilename] = int(sibling.size or 0)
        sha256 = getattr(sibling.lfs, "sha256", None)
        if isinstance(sha256, str) and re.fullmatch(r"[0-9a-f]{64}", sha256):
            hashes[sibling.rfilename] = Hash("sha256", sha256)
        elif isinstance(sibling.blob_id, str) and re.fullmatch(r"[0-9a-f]{40}", sibling.blob_id):
            hashes[sibling.rfilename] = Hash("git-sha1", sibling.blob_id)
    return str(info.sha), files, hashes


def _download(
    name: HubName, commit: str, filename: str, size: int | None, expected: Hash | None, reporter: Reporter
) -> str:
    """``filename`` downloaded whole into huggingface_hub's cache, checked against ``expected``."""
    from huggingface_hub import hf_hub_download

    from .download import room_for

    room_for(size, cache_dir() or _default_hub_cache(), f"{filename} of {name.repo}", HUB_ELSEWHERE)
    label = f"downloading {filename} from {name.repo}"
    with reporter.task(label, size or None) as task:
        try:
            # By the revision's name, so that huggingface_hub records where it points (its refs),
            # which is how an offline run finds the files again; the commit is checked after.
            path = hf_hub_download(
                name.repo,
                filename,
                revision=name.revision or DEFAULT_REVISION,
                endpoint=endpoint(),
                cache_dir=cache_dir(),
                tqdm_class=_progress_class(task),
            )
        except Exception as e:
            raise hub_error(name, e, filename) from e
    if f"{os.sep}{commit}{os.sep}" not in path:
        raise ModelError(f"{name.shown} moved to a new commit while it was downloaded; run vecq again")
    if expected is not None:
        _verify(name, filename, path, expected)
    return path


def _verify(name: HubName, filename: str, path: str, expected: Hash) -> None:
    """The downloaded file's content against the hash the Hub lists; on a mismatch the copy is
    deleted (huggingface_hub's blob and its link), so a later run downloads it again."""
    import hashlib

    digest = hashlib.sha256() if expected.kind == "sha256" else hashlib.sha1()
    if expected.kind == "git-sha1":
        digest.update(f"blob {os.path.getsize(path)}\0".encode())
    with open(path, "rb") as f:
        while block := f.read(FETCH_CHUNK):
            digest.update(block)
    if digest.hexdigest() == expected.hexdigest:
        return
    for doomed in (os.path.realpath(path), path):
        with contextlib.suppress(OSError):
            os.unlink(doomed)
    raise ModelError(
        f"{name.shown}: the downloaded {filename} does not match the {expected.kind} the Hub lists for "
        "it (damaged on the way, or changed on the server); the copy was deleted: run vecq again"
    )


def _default_hub_cache() -> str:
    return os.path.join(
        os.path.expanduser(os.environ.get("XDG_CACHE_HOME") or "~/.cache"), "huggingface", "hub"
    )


def _progress_class(task: Task) -> type:
    """A tqdm class for huggingface_hub's downloads that draws nothing itself and moves ``task``."""
    from tqdm import tqdm

    class Progress(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.done = int(kwargs.get("initial") or 0)

        def update(self, n: float | None = 1) -> bool | None:
            self.done += int(n or 0)
            task.update(self.done)
            return None

    return Progress


def _from_local_snapshot(name: HubName, tensor: str | None) -> Fetched:
    """Offline: the revision's files already in huggingface_hub's cache, or a one-line error."""
    from huggingface_hub import snapshot_download

    from . import layouts

    try:
        folder = snapshot_download(
            name.repo,
            revision=name.revision or DEFAULT_REVISION,
            cache_dir=cache_dir(),
            local_files_only=True,
        )
    except Exception as e:
        raise ModelError(
            f"{name.shown} is neither in vecq's cache nor downloaded, and HF_HUB_OFFLINE is set; "
            "run once with the network (HF_HUB_OFFLINE unset) to fetch it"
        ) from e
    files = layouts.folder_files(folder)
    plan = layouts.choose(files, PREFIX + name.repo, name.path)
    commit = os.path.basename(os.path.normpath(folder))
    remote = f"{PREFIX}{name.repo}@{commit}/{plan.main}"
    path = os.path.join(folder, plan.main)
    missing = [f for f in (plan.main, *plan.needs) if f not in files]
    if missing:
        raise ModelError(
            f"{name.shown}: {', '.join(missing)} was not downloaded, and HF_HUB_OFFLINE is set; "
            "run once with the network to fetch it"
        )
    if plan.kind in ("safetensors", "sharded"):
        return Fetched(path, "safetensors", remote, commit, None)
    return Fetched(path, _format_of(plan, path), remote, commit, None)


def _fetch_table(
    name: HubName,
    commit: str,
    files: dict[str, int],
    hashes: dict[str, Hash],
    plan: Plan,
    staging_root: str,
    reporter: Reporter,
    tensor: str | None,
    remote: str,
) -> Fetched:
    """A safetensors table: downloaded whole when the file is mostly table, else by byte ranges."""
    from . import safetensors_table

    needed = [_download(name, commit, f, files.get(f), hashes.get(f), reporter) for f in plan.needs]
    if plan.kind == "sharded":
        index = _download(name, commit, plan.main, files.get(plan.main), hashes.get(plan.main), reporter)
        shard, tensor = safetensors_table.shard_of_table(index, tensor)
        folder = plan.main.rsplit("/", 1)[0] + "/" if "/" in plan.main else ""
        filename = folder + os.path.basename(shard)
    else:
        filename = plan.main
    size = files.get(filename)
    if size is None:
        raise ModelError(f"{name.shown}: its index names {filename}, which the repo does not hold")
    url = _url(name, commit, filename)
    head = _get_range(name, url, 0, min(size, 8))
    length = safetensors_table.header_length(head, size, f"{name.shown}/{filename}")
    where = f"{name.shown}/{filename}"
    declared = safetensors_table.parse_header(_get_range(name, url, 8, 8 + length), size - 8 - length, where)
    wanted = safetensors_table.tensors_to_read(declared, where, tensor)
    table_bytes = sum(declared[t]["data_offsets"][1] - declared[t]["data_offsets"][0] for t in wanted)
    if plan.kind == "safetensors" and table_bytes >= WHOLE_FILE_SHARE * (size - 8 - length):
        path = _download(name, commit, filename, size, hashes.get(filename), reporter)
        return Fetched(path, "safetensors", remote, commit, None)
    import tempfile

    from ..cache.files import process_mark
    from .download import room_for

    try:
        os.makedirs(staging_root, exist_ok=True)
    except OSError:  # the cache cannot be written (the model is answered from memory): the system's
        staging_root = os.path.join(tempfile.gettempdir(), f"vecq-{STAGING}")  # temporary folder
        os.makedirs(staging_root, exist_ok=True)
    sweep_staging(staging_root)  # before the room is measured: a killed fetch's parts free some
    room_for(table_bytes, staging_root, f"the table of {name.shown}", HUB_ELSEWHERE)
    staging = tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{process_mark()}-", dir=staging_root)
    try:
        for wanted_file, local in zip(plan.needs, needed):  # the tokenizer, the model's settings
            shutil.copyfile(local, os.path.join(staging, os.path.basename(wanted_file)))
        path = os.path.join(staging, "model.safetensors")
        _write_parts(name, url, declared, wanted, 8 + length, path, reporter)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Fetched(path, "safetensors", remote, commit, staging)


def staging_root() -> str:
    """Where tables fetched in parts wait to be converted: ``STAGING`` in the cache root."""
    from ..cache.layout import cache_root

    return os.path.join(cache_root(), STAGING)


def sweep_staging(staging_root: str) -> int:
    """Remove the staging folders (tables fetched in parts, up to gigabytes) of fetches whose
    process is gone: killed (SIGKILL, the OOM killer) before it could remove its own; how many."""
    from ..cache.files import sweep_dead

    return sweep_dead(staging_root, STAGING_PREFIX)


def _write_parts(
    name: HubName, url: str, declared: dict, wanted: list[str], data_start: int, path: str, reporter: Reporter
) -> None:
    """A safetensors file of just the ``wanted`` tensors, their bytes fetched by range requests."""
    header: dict = {}
    at = 0
    for t in wanted:
        start, stop = declared[t]["data_offsets"]
        header[t] = {**declared[t], "data_offsets": [at, at + stop - start]}
        at += stop - start
    raw = json.dumps(header).encode()
    total = at
    with open(path, "wb") as out, reporter.task(f"fetching the table of {name.shown}", total) as task:
        out.write(struct.pack("<Q", len(raw)) + raw)
        done = 0
        for t in wanted:
            start, stop = declared[t]["data_offsets"]
            for chunk in _stream_range(name, url, data_start + start, data_start + stop):
                out.write(chunk)
                done += len(chunk)
                task.update(done)
    if done != total:
        raise ModelError(f"{name.shown}: the Hub sent {done:,} bytes of a {total:,}-byte table; try again")


def _url(name: HubName, commit: str, filename: str) -> str:
    from huggingface_hub import hf_hub_url

    return hf_hub_url(name.repo, filename, revision=commit, endpoint=endpoint())


def _headers(start: int, stop: int) -> dict:
    from huggingface_hub.utils import build_hf_headers

    return {**build_hf_headers(), "Range": f"bytes={start}-{stop - 1}", "Accept-Encoding": "identity"}


def _get_range(name: HubName, url: str, start: int, stop: int) -> bytes:
    from huggingface_hub.utils import hf_raise_for_status, http_backoff

    try:
        response = http_backoff(
            "GET", url, headers=_headers(start, stop), max_retries=2, follow_redirects=True
        )
        hf_raise_for_status(response)
    except Exception as e:
        raise hub_error(name, e) from e
    data = response.content
    if response.status_code != 206 and len(data) != stop - start:
        raise ModelError(f"{endpoint()} does not answer range requests, which fetching a table alone needs")
    return data[: stop - start]


def _stream_range(name: HubName, url: str, start: int, stop: int) -> Iterator[bytes]:
    from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

    try:
        with http_stream_backoff(
            "GET", url, headers=_headers(start, stop), max_retries=2, follow_redirects=True
        ) as response:
            hf_raise_for_status(response)
            if response.status_code != 206 and start > 0:
                raise ModelError(f"{endpoint()} does not answer range requests, which fetching a table needs")
            yield from response.iter_bytes(FETCH_CHUNK)
    except ModelError:
        raise
    except Exception as e:
        raise hub_error(name, e) from e


def hub_error(name: HubName, e: BaseException, filename: str | None = None) -> VecqError:
    """One line for what went wrong between vecq and the Hub, saying what to do; its exit code says
    which kind: the model cannot be had (4), the network or the server failed: try again (6), no
    space (1). huggingface_hub wraps what the network did, so its causes are read too. In order:
    what vecq's own client refused (``_transfer_error``), what the Hub answered (``_answer_error``),
    what the network did (``_network_error``)."""
    what = f"{filename} of {name.shown}" if filename else name.shown
    chain = _causes(e)
    return (
        _transfer_error(chain, what)
        or _answer_error(name, e, chain, what)
        or _network_error(e, chain, what)
        or ModelError(f"{what}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    )


def _transfer_error(chain: list[BaseException], what: str) -> VecqError | None:
    """A stalled transfer, a body vecq refused, a full disk."""
    from .hub_http import STALL_ENV, HubBodyRefused, HubStalled

    where = endpoint()
    stalled = next((c for c in chain if isinstance(c, HubStalled)), None)
    if stalled is not None and stalled.status is not None:  # retried an error until the window closed
        return _status_error(stalled.status, what)
    if stalled is not None:
        return UnavailableError(
            f"the Hub at {where} stalled while sending {what} (no progress for {stalled.seconds:g} s); "
            f"try again later, or allow it longer with {STALL_ENV}"
        )
    refused = next((c for c in chain if isinstance(c, HubBodyRefused)), None)
    if refused is not None:
        return ModelError(f"the Hub at {where} sent {what} as {refused}; nothing was kept")
    if any(isinstance(c, OSError) and c.errno == errno.ENOSPC for c in chain):
        return NoSpaceError(
            f"no space left on the disk while downloading {what}; free some space and run vecq again"
        )
    return None


def _answer_error(name: HubName, e: BaseException, chain: list[BaseException], what: str) -> VecqError | None:
    """What the Hub answered: gated, no such revision, repo or file, an HTTP status, offline."""
    from huggingface_hub import errors

    where, page = endpoint(), f"{endpoint()}/{name.repo}"
    if isinstance(e, errors.GatedRepoError):
        return ModelError(
            f"{name.repo} is gated: ask for access on {page}, then set HF_TOKEN to a token of that "
            f"account ({where}/settings/tokens)"
        )
    if isinstance(e, errors.RevisionNotFoundError):
        return ModelError(
            f"{name.repo} has no revision {name.revision!r} (a branch, tag or commit) on {where}"
        )
    if isinstance(e, errors.RemoteEntryNotFoundError):
        return ModelError(f"{what} is not on the Hub at {where}, though the repo lists it; try again later")
    status = next(
        (getattr(getattr(c, "response", None), "status_code", None) for c in chain if hasattr(c, "response")),
        None,
    )
    if isinstance(e, errors.RepositoryNotFoundError) or status in (401, 404):
        token = "HF_TOKEN is set but does not grant it" if os.environ.get("HF_TOKEN") else "set HF_TOKEN"
        return ModelError(
            f"no model repo {name.repo} on {where} that vecq may read: check the name; if it is private "
            f"or gated, ask for access on {page} and {token} to a token of an account that has it"
        )
    if status is not None and (status in (403, 429) or status >= 500):
        return _status_error(status, what, page)
    if isinstance(e, errors.OfflineModeIsEnabled):
        return ModelError(f"{name.shown} is not downloaded and huggingface_hub is offline (HF_HUB_OFFLINE)")
    if isinstance(e, errors.HfHubHTTPError):
        return ModelError(f"the Hub at {where} refused {what} (HTTP {status})")
    return None


def _status_error(status: int, what: str, page: str | None = None) -> VecqError:
    """HTTP 403, 429 or 5xx, in the words of what to do about each."""
    where = endpoint()
    if status == 403:
        return ModelError(
            f"the Hub at {where} forbids {what} (HTTP 403): ask for access on {page or where}, and set "
            "HF_TOKEN to a token of an account that has it"
        )
    if status == 429:
        return UnavailableError(
            f"the Hub at {where} is limiting requests (HTTP 429) for {what}; wait a few minutes and try "
            "again (a token in HF_TOKEN gets a higher limit)"
        )
    return UnavailableError(
        f"the Hub at {where} failed on its side (HTTP {status}) for {what}; try again in a few minutes"
    )


def _network_error(e: BaseException, chain: list[BaseException], what: str) -> VecqError | None:
    """A transfer broken off, a Hub that cannot be reached."""
    where = endpoint()
    names = [type(c).__name__ for c in chain]
    if any(n in ("RemoteProtocolError", "ReadError") for n in names) or any(
        "Consistency check failed" in str(c) for c in chain
    ):
        return UnavailableError(f"the Hub at {where} broke off while sending {what}; try again")
    if any(isinstance(c, (ConnectionError, TimeoutError)) for c in chain) or any(
        n.endswith(("ConnectError", "Timeout")) for n in names
    ):
        return UnavailableError(
            f"cannot reach the Hub at {where} for {what}; check the network and try again, "
            "or set HF_HUB_OFFLINE=1 to use what is already downloaded"
        )
    if isinstance(e, OSError) or type(e).__module__.startswith(("httpx", "httpcore")):
        return UnavailableError(f"the Hub at {where} could not send {what} ({type(e).__name__}); try again")
    return None


def _causes(e: BaseException) -> list[BaseException]:
    """``e`` and what caused it, as far as the chain goes (without looping)."""
    chain: list[BaseException] = []
    cause: BaseException | None = e
    while cause is not None and all(cause is not c for c in chain):
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain
