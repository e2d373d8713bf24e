"""A Hugging Face Hub on 127.0.0.1 for the tests, serving fixture repos in the Hub's URL layout.

It answers the requests huggingface_hub makes: revision info with the file list
(``GET /api/models/OWNER/NAME/revision/REV``), ``HEAD`` and ``GET`` (with ``Range``) of
``/OWNER/NAME/resolve/REV/PATH``, and the Hub's error answers (``X-Error-Code``: RepoNotFound,
RevisionNotFound, GatedRepo, EntryNotFound). It counts the bytes of file content it sends, per repo.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
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


class Hub:
    """``Hub().add("OWNER/NAME", folder)``; ``with hub:`` serves; ``hub.url`` for HF_ENDPOINT."""

    def __init__(self):
        self.repos: dict[str, Repo] = {}
        self.sent: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        self.after_listing = None  # called with the repo's name once its file list was sent
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
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
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

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
                        siblings.append({"rfilename": n, "size": size, "blobId": _blob_id(repo, n)})
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
            self.send_response(status)
            self.send_header("X-Repo-Commit", repo.commit)
            self.send_header("ETag", f'"{_blob_id(repo, filename)}"')
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(stop - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{size}")
            self.end_headers()
            if head:
                return
            with open(data_path, "rb") as f:
                f.seek(start)
                left = stop - start
                while left > 0:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)
                    with hub.lock:
                        hub.sent[resolve.group(1)] = hub.sent.get(resolve.group(1), 0) + len(chunk)

    return Handler


def _blob_id(repo: Repo, name: str) -> str:
    st = (repo.folder / name).stat()
    return hashlib.sha1(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()
