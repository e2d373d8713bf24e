"""``vecq repl``: word2vec's ``distance`` tool, with expressions, similarities and line editing.

The model is opened once; each line is answered by the same queries as the commands, as a table.
The prompt is given to line editing on a terminal (so it stays while a line is edited), and goes to
stderr when stdout is redirected, so that a transcript of stdout holds only answers.
"""

from __future__ import annotations

import contextlib
import os
import sys

from ..core.expression import proportion
from ..core.queries import NeighborsQuery, SimilarQuery
from ..errors import QueryError, UnknownWordError, VecqError, shorten
from .session import Session

HELP = (
    "type a word for its neighbours, 'a - b + c' for an expression's, 'a ~ b' for a similarity; "
    "Tab completes a word; 'help' shows this; 'exit', 'quit' or Ctrl-D leaves"
)
LEAVE = frozenset({"exit", "quit", ":q"})
PROMPT = "vecq> "


def history_file() -> str:
    """The REPL's history: in the user's state folder (``XDG_STATE_HOME``, default ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join("~", ".local", "state")
    return os.path.join(os.path.expanduser(base), "vecq", "repl_history")


def _readline(model) -> object | None:
    """GNU readline with the history of earlier runs and words completed from the vocabulary."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return None
    with contextlib.suppress(OSError):
        readline.read_history_file(history_file())
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            matches[:] = model.vocab.complete(text, limit=200) if text else []
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t~+-*")
    readline.parse_and_bind("tab: complete")
    return readline


HISTORY_LINES = 1000


def _save(readline, loaded: int) -> None:
    """This session's lines (those after the ``loaded`` read at its start) added to the end of the
    history file, which keeps its last ``HISTORY_LINES``: another session's lines written there
    meanwhile stay (rewriting the file with this session's view of it lost them)."""
    if readline is None:
        return
    path = history_file()
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        readline.set_history_length(HISTORY_LINES)
        if os.path.exists(path) and hasattr(readline, "append_history_file"):
            readline.append_history_file(readline.get_current_history_length() - loaded, path)
        else:
            readline.write_history_file(path)


def answer_line(session: Session, model, line: str, top: int) -> None:
    """One line of the session: a similarity, or the neighbours of a word or expression."""
    query: SimilarQuery | NeighborsQuery
    if "~" in line:
        parts = [p.strip() for p in line.split("~")]
        query, items, title = SimilarQuery(), [parts], "similarity"
        if len(parts) != 2 or not all(parts):
            raise QueryError("write a similarity as 'word ~ word'")
    else:
        query = NeighborsQuery(top)
        items, title = [query.parse(line, model)], f"neighbours of {line}"
    try:
        session.print_answers(query, items, title, model)
    except UnknownWordError as e:
        hint = as_typed_here(line) if "~" not in line else None
        if hint is None:
            raise
        said = f"{shorten(line)} is an analogy test's notation" if proportion(line) else e.message
        raise QueryError(f"{said}; {hint}") from None


def as_typed_here(line: str) -> str | None:
    """How a line written as a command (``similar cat dog``, ``neighbors cat -n 3``) is asked in
    the REPL, or None when it is not one. Its options are left out (from the first ``-x``)."""
    asked_as = proportion(line)
    if asked_as is not None:  # an analogy test's notation
        a, b, c = asked_as
        return f"the REPL asks an analogy as an expression: type '{a} - {b} + {c}'"
    command, *rest = line.split()
    if command not in COMMANDS and rest and command in _shell_commands():
        return f"'{command}' is a command of vecq, not of the REPL: run 'vecq {line.strip()}' in the shell"
    if command not in COMMANDS or not rest:
        return None
    options = next(
        (i for i, t in enumerate(rest) if (t[:1] == "-" and t[1:2].isalpha()) or t[:2] == "--"), None
    )
    words = rest[:options]
    if command == "similar":
        asked = f"{words[0]} ~ {words[1]}" if len(words) == 2 else "word ~ word"
    elif command == "analogy":
        asked = f"{words[0]} - {words[1]} + {words[2]}" if len(words) == 3 else "a - b + c"
    else:
        asked = " ".join(words) or "word"
    return f"the REPL takes words, not commands: type '{asked}' ('help' says how)"


COMMANDS = frozenset({"neighbors", "neighbours", "nearest", "similar", "analogy"})


def _shell_commands() -> frozenset[str]:
    """The names of vecq's commands (``odd``, ``vector``...), from the command line running this."""
    import click

    context = click.get_current_context(silent=True)
    if context is None or not isinstance(group := context.find_root().command, click.Group):
        return frozenset()
    return frozenset(group.list_commands(context))  # every command, those not yet imported too


def run(session: Session, top: int) -> None:
    model = session.open()
    # vecq reads UTF-8 whatever the locale says (a batch reads bytes; here lines are read as text):
    # a byte that is not UTF-8 stays in the word as a surrogate, for the word check to name.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")  # type: ignore[union-attr]
    interactive = session.env.stdin_isatty
    readline = _readline(model) if interactive else None
    loaded = readline.get_current_history_length() if readline is not None else 0  # type: ignore[attr-defined]
    if interactive:
        info = model.info
        session.warn(f"{info.name}: {info.rows:,} {info.rows_are} x {info.dimensions}. {HELP}")
    try:
        while True:
            try:
                line = _read(session, interactive)
            except EOFError:
                break
            line = line.strip()
            if not line:
                continue
            if line in LEAVE:
                break
            if line in ("help", "?"):
                session.warn(HELP)
                continue
            try:
                answer_line(session, model, line, top)
            except VecqError as e:
                session.warn(f"error: {e.message}")
            session.notes.flush()  # with -v, each answer says how it was searched
    finally:
        _save(readline, loaded)
        if interactive:
            sys.stderr.write("\n")


def _read(session: Session, interactive: bool) -> str:
    """The next line (EOFError at the end). On a terminal the prompt is given to line editing, so it
    stays when the line is edited; with stdout redirected it goes to stderr, keeping stdout answers."""
    if not interactive:
        line = sys.stdin.readline()
        if line == "":
            raise EOFError
        return line
    if session.env.stdout_isatty:
        return input(PROMPT)
    sys.stderr.write(PROMPT)
    sys.stderr.flush()
    return input()
