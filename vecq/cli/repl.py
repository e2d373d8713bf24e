"""``vecq repl``: word2vec's ``distance`` tool, with expressions, similarities and line editing.

The model is opened once; each line is answered by the same queries as the commands, as a table.
Prompts go to stderr so that a transcript of stdout holds only answers.
"""

from __future__ import annotations

import contextlib
import os
import sys

from ..core.queries import NeighborsQuery, SimilarQuery
from ..errors import QueryError, VecqError
from .session import Session

HELP = "a word -> neighbours; 'a - b + c' -> expression; 'a ~ b' -> similarity; Ctrl-D leaves"


def _history_file() -> str:
    from ..cache.layout import cache_root

    return os.path.join(cache_root(), "repl_history")


def _readline() -> object | None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return None
    with contextlib.suppress(OSError):
        readline.read_history_file(_history_file())
    return readline


def _save(readline) -> None:
    if readline is not None:
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(_history_file()), exist_ok=True)
            readline.set_history_length(1000)
            readline.write_history_file(_history_file())


def answer_line(session: Session, model, line: str, top: int) -> None:
    """One line of the session: a similarity, or the neighbours of a word or expression."""
    if "~" in line:
        parts = [p.strip() for p in line.split("~")]
        query, items, title = SimilarQuery(), [parts], "similarity"
        if len(parts) != 2 or not all(parts):
            raise QueryError("write a similarity as 'word ~ word'")
    else:
        query = NeighborsQuery(top)
        items, title = [query.parse(line)], f"neighbours of {line}"
    session.print_answers(query, items, title, model)


def run(session: Session, top: int) -> None:
    model = session.open()
    interactive = session.env.stdin_isatty
    readline = _readline() if interactive else None
    if interactive:
        session.warn(f"{model.info.name}: {model.info.rows:,} words x {model.info.dimensions}. {HELP}")
    try:
        while True:
            if interactive:
                sys.stderr.write("vecq> ")
                sys.stderr.flush()
            try:
                line = input() if interactive else sys.stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            line = line.strip()
            if not line:
                continue
            if line in ("help", "?"):
                session.warn(HELP)
                continue
            try:
                answer_line(session, model, line, top)
            except VecqError as e:
                session.warn(f"error: {e.message}")
    finally:
        _save(readline)
        if interactive:
            sys.stderr.write("\n")
