"""A Hugging Face Hub on 127.0.0.1 for the tests, serving fixture repos in the Hub's URL layout.

It answers the requests huggingface_hub makes: revision info with the file list
(``GET /api/models/OWNER/NAME/revision/REV``), ``HEAD`` and ``GET`` (with ``Range``) of
``/OWNER/NAME/resolve/REV/PATH``, and the Hub's error answers (``X-Error-Code``: RepoNotFound,
RevisionNotFound, GatedRepo, EntryNotFound). It counts the bytes of file content it sends, per repo.
It lists hashes as the Hub does (a git blob's sha1 for every file, an LFS sha256 for large ones).

``hub.faults`` makes it misbehave as a hostile or failing Hub would, by what is asked for ("listing",
or a file's name): "slow" (one byte a second), "short" (a Content-Length longer than what it sends,
then silence), "gzip" (a gzip bomb: 1 MB that unpacks to 1 GiB, though no compression was asked
for), "corrupt" (one byte changed: the content no longer matches its hash), or an HTTP status
("500", "429", "403", "404"). Every misbehaviour is bounded in time: it stops by itself.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


class Repo:
    def __init__(self, folder: Path, gated: bool = False, token: str | None = None):
        self.folder, self.gated, self.token = folder, gated, token
        names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        digest = hashlib.sha1("\n".join(names).encode())
        for n in names:
            digest.update(str((folder / n).stat().st_size).encode())
        self.commit = digest.hexdigest()
        self.files = names


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up on a misbehaving answer: nothing to report


class Hub:
    """``Hub().add("OWNER/NAME", folder)``; ``with hub:`` serves; ``hub.url`` for HF_ENDPOINT."""

    def __init__(self):
        self.repos: dict[str, Repo] = {}
        self.sent: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        self.after_listing = None  # called with the repo's name once its file list was sent
        self.faults: dict[str, str] = {}  # "listing" or a file name -> how to misbehave
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, repo: str, folder: Path, **kwargs) -> Repo:
        self.repos[repo] = Repo(folder, **kwargs)
        return self.repos[repo]

    def reset_counts(self) -> None:
        with self.lock:
            self.sent.clear()
            self.requests.clear()

    def __enter__(self) -> Hub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(hub: Hub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self._answer(head=False)

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def _error(self, status: int, code: str, message: str = "") -> None:
            body = json.dumps({"error": message or code}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            if message:
                self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, data) -> None:
            body = json.dumps(data).encode()
            if self._fault("listing", body):
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, what: str, body: bytes, status: int = 200, headers: dict | None = None) -> bool:
            """Misbehave as ``hub.faults[what]`` says, sending (part of) ``body``; False if no fault."""
            fault = hub.faults.get(what)
            if fault is None:
                return False
            if fault.isdigit():
                code = {"404": "EntryNotFound"}.get(fault, "")
                self._error(int(fault), code, f"fault {fault}")
                return True
            if fault == "corrupt":
                return False  # changed where the content is sent
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if fault == "gzip":
                bomb = _bomb()
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.end_headers()
                self._send(bomb)
                return True
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault == "slow":  # a byte a second, for at most a minute
                for i in range(min(len(body), 60)):
                    if not self._send(body[i : i + 1]):
                        return True
                    time.sleep(1)
            elif fault == "short":  # half, then silence for at most a minute
                self._send(body[: len(body) // 2])
                time.sleep(60)
            return True

        def _send(self, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
                return True
            except (BrokenPipeError, ConnectionResetError):
                return False

        def _repo(self, name: str, revision: str) -> Repo | None:
            repo = hub.repos.get(name)
            if repo is None:
                self._error(404, "RepoNotFound", "Repository not found")
                return None
            auth = self.headers.get("Authorization", "")
            if repo.token is not None and auth != f"Bearer {repo.token}":
                if repo.gated:
                    self._error(403 if auth else 401, "GatedRepo", "Access to this repo is restricted")
                else:
                    self._error(401, "RepoNotFound", "Repository not found")
                return None
            if revision not in ("main", repo.commit):
                self._error(404, "RevisionNotFound", "Invalid rev id")
                return None
            return repo

        def _answer(self, head: bool) -> None:
            path = unquote(urlparse(self.path).path)
            with hub.lock:
                hub.requests.append((self.command, path))
            info = re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?", path)
            if info:
                repo = self._repo(info.group(1), info.group(2) or "main")
                if repo is not None:
                    siblings = []
                    for n in repo.files:
                        size = (repo.folder / n).stat().st_size
                        sibling = {"rfilename": n, "size": size, "blobId": _blob_id(repo, n)}
                        if _is_lfs(repo, n):
                            sha256 = _sha256(repo, n)
                            sibling["lfs"] = {"sha256": sha256, "size": size, "pointerSize": 134}
                        siblings.append(sibling)
                    self._json(
                        {
                            "_id": info.group(1),
                            "id": info.group(1),
                            "modelId": info.group(1),
                            "sha": repo.commit,
                            "private": repo.token is not None and not repo.gated,
                            "gated": "manual" if repo.gated else False,
                            "siblings": siblings,
                        }
                    )
                    if hub.after_listing is not None:
                        hub.after_listing(info.group(1))
                return
            resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
            if not resolve:
                self._error(404, "EntryNotFound", "no such route")
                return
            repo = self._repo(resolve.group(1), resolve.group(2))
            if repo is None:
                return
            filename = resolve.group(3)
            if filename not in repo.files:
                self._error(404, "EntryNotFound", "Entry not found")
                return
            data_path = repo.folder / filename
            size = data_path.stat().st_size
            start, stop, status = 0, size, 200
            wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if wanted:
                start = int(wanted.group(1))
                stop = min(size, int(wanted.group(2)) + 1) if wanted.group(2) else size
                status = 206
            etag = _sha256(repo, filename) if _is_lfs(repo, filename) else _blob_id(repo, filename)
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
            if status == 206:
                headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
            if not head and hub.faults.get(filename) not in (None, "corrupt"):
                with open(data_path, "rb") as f:
                    f.seek(start)
                    self._fault(filename, f.read(stop - start), status, headers)
                return
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(stop - start))
            self.end_headers()
            if head:
                return
            with open(data_path, "rb") as f:
                f.seek(start)
                left = stop - start
                while left > 0:
                    at = f.tell()
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    if hub.faults.get(filename) == "corrupt" and at <= size // 2 < at + len(chunk):
                        middle = size // 2 - at  # one byte in the middle of the file, changed
                        chunk = chunk[:middle] + bytes([chunk[middle] ^ 0xFF]) + chunk[middle + 1 :]
                    self.wfile.write(chunk)
                    left -= len(chunk)
                    with hub.lock:
                        hub.sent[resolve.group(1)] = hub.sent.get(resolve.group(1), 0) + len(chunk)

    return Handler


LFS_FROM = 10_000  # files this large are LFS files, as the Hub keeps model weights


def _is_lfs(repo: Repo, name: str) -> bool:
    return (repo.folder / name).stat().st_size >= LFS_FROM


def _blob_id(repo: Repo, name: str) -> str:
    """The git blob sha1 of a file, as the Hub lists it (``blobId``)."""
    data = (repo.folder / name).read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _sha256(repo: Repo, name: str) -> str:
    return hashlib.sha256((repo.folder / name).read_bytes()).hexdigest()


_BOMB: list[bytes] = []


def _bomb() -> bytes:
    """1 GiB of zeros, gzipped: about 1 MB."""
    if not _BOMB:
        packer = gzip.compress(b"\0" * (1 << 24), compresslevel=9)  # 16 MiB -> 16 KB, repeated
        _BOMB.append(packer * 64)  # 64 gzip members: 1 GiB unpacked, as one gzip stream reads
    return _BOMB[0]
