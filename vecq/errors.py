"""Errors a user can cause, each with the exit status the CLI reports for it.

The engine, the cache and the sources raise these; only the CLI turns them into a line on stderr,
so the library stays usable from Python with ordinary exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    """vecq's exit statuses; documented in the README and the guide."""

    OK = 0
    FAILURE = 1  # an error that fits no other code (for example the cache cannot be managed)
    USAGE = 2  # bad options or arguments (click's own code)
    UNKNOWN_WORD = 3  # a word is not in the vocabulary, or a query is malformed
    MODEL = 4  # the model cannot be found, downloaded, read or trusted
    PARTIAL = 5  # a batch finished, but some of its lines failed
    UNAVAILABLE = 6  # the network or a server failed (stalled, unreachable, HTTP 5xx or 429): try again
    INTERRUPTED = 130  # Ctrl-C


# An option named in a message, written ⟨name⟩ (a flag) or ⟨name=value⟩ (N, NAME: any value) where
# the error is raised: the library's words (``str(error)``) say it as the argument of ``vecq.load``
# (``pool='mean'``), the CLI's (``error.message``) as its flag (``--pool mean``). The library never
# speaks in flags.
_OPTION = re.compile(r"⟨(\w+)(?:=([^⟩]*))?⟩")
_UNQUOTED = re.compile(r"-?\d+(\.\d+)?|[A-Z]+")  # a number, or a placeholder (N, NAME): not a string


def _as_argument(m: re.Match) -> str:
    name, value = m.group(1), m.group(2)
    if name == "model":  # the model is what vecq.load opens
        return f"vecq.load({value!r})"
    if value is None:
        return f"{name}=True"
    return f"{name}={value}" if _UNQUOTED.fullmatch(value) else f"{name}={value!r}"


def _as_flag(m: re.Match) -> str:
    name, value = m.group(1).replace("_", "-"), m.group(2)
    return f"--{name}" if value is None else f"--{name} {value}"


def in_flags(text: str) -> str:
    """``text`` as the CLI says it: each ⟨option⟩ as its flag."""
    return _OPTION.sub(_as_flag, text)


def in_arguments(text: str) -> str:
    """``text`` as the library says it: each ⟨option⟩ as ``vecq.load``'s argument."""
    return _OPTION.sub(_as_argument, text)


class VecqError(Exception):
    """Base class: a message fit for one line on stderr, and an exit code.

    ``message`` is what the CLI says (options as flags); ``str(error)`` what the library says
    (options as ``vecq.load``'s arguments), from the one text written where the error is raised.
    """

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str):
        super().__init__(in_arguments(message))
        self.message = in_flags(message)

    def __reduce__(self):
        # An error crosses processes (a Dask worker's is raised again on the client) rebuilt from its
        # attributes, whatever its constructor's arguments are.
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[VecqError], args: tuple, state: dict) -> VecqError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def defect(e: Exception) -> str:
    """An exception vecq did not expect, on one line: its type and its message (at most 300
    characters), for the CLI's last-resort error and the server's 500."""
    what = " ".join(str(e).split())
    return f"{type(e).__name__}: {what if len(what) <= 300 else what[:300] + '...'}"


def one_line(text: str) -> str:
    """``text`` as one line on a terminal: each character that ends a line or drives the terminal
    (a control character but the tab, U+2028, U+2029) written as its escape (``\\n``, ``\\x1b``).
    A message names what the user gave, and a file may be named with a newline or an escape
    sequence in it."""
    if text.isprintable():
        return text
    import unicodedata

    return "".join(
        c.encode("unicode_escape").decode("ascii")
        if c != "\t" and unicodedata.category(c) in ("Cc", "Zl", "Zp")
        else c
        for c in text
    )


def shorten(text: str, limit: int = 40) -> str:
    """What a message shows of something the user typed: all of it, or its start and its length."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, in the plural unless ``n`` is 1: "1 line", "2,000 lines"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def listed_with_and(texts: Sequence[str]) -> str:
    """ "a, b and c"."""
    return f"{', '.join(texts[:-1])} and {texts[-1]}" if len(texts) > 1 else "".join(texts)


def first_few(texts: Sequence[str], n: int) -> str:
    """The first ``n`` of ``texts`` a message names, joined by commas, then "..." if there are more."""
    return ", ".join(texts[:n]) + (", ..." if len(texts) > n else "")


class UnknownWordError(VecqError, KeyError):
    """One or more words of a query are not in the vocabulary; each is named with its suggestions.

    Also a KeyError, so Python callers can catch it the way they catch gensim's.
    """

    exit_code = ExitCode.UNKNOWN_WORD

    def __init__(
        self,
        word: str,
        suggestions: list[str] | None = None,
        model: str | None = None,
        past_limit: dict[str, tuple[int, int]] | None = None,
    ):
        self.word = word
        self.suggestions = list(suggestions or [])
        self.model = model
        self.unknown: list[tuple[str, list[str]]] = [(word, self.suggestions)]
        self.past_limit = dict(past_limit or {})  # words of the model past the limit: (row, limit)
        super().__init__(self._message())

    @classmethod
    def combine(cls, errors: list[UnknownWordError]) -> UnknownWordError:
        """One error naming every unknown word of ``errors`` (in order, each once)."""
        if len({w for e in errors for w, _ in e.unknown}) == 1:
            return errors[0]
        first = errors[0]
        combined = UnknownWordError(first.word, first.suggestions, first.model)
        seen = {first.word}
        for e in errors:
            combined.past_limit.update(e.past_limit)
            for word, found in e.unknown:
                if word not in seen:
                    seen.add(word)
                    combined.unknown.append((word, found))
        VecqError.__init__(combined, combined._message())
        return combined

    def _message(self) -> str:
        where = f" of {self.model}" if self.model else ""
        if len(self.unknown) > 1:
            words = [w for w, _ in self.unknown]
            past = [self.past_limit[w] for w in words if w in self.past_limit]
            raise_to = f"raise the limit to {max(row for row, _ in past) + 1} or more" if past else ""
            if len(past) == len(words):  # every one a word of the model: the limit is what to change
                rows = listed_with_and([f"{row + 1:,}" for row, _ in past])
                named = listed_with_and([shorten(w) for w in words])
                return (
                    f"{named} are beyond ⟨limit={past[0][1]}⟩ (words {rows} "
                    f"of the model); {raise_to}, or leave them out"
                )
            parts = [shorten(w) + self._hint(w, s) for w, s in self.unknown]
            return f"{listed_with_and(parts)} are not in the vocabulary{where}" + (
                f"; {raise_to}" if past else ""
            )
        if self.word in self.past_limit:
            row, limit = self.past_limit[self.word]
            return (
                f"{shorten(self.word)} is beyond ⟨limit={limit}⟩: it is word {row + 1:,} of the model; "
                f"raise the limit to {row + 1} or more, or leave it out"
            )
        message = f"{shorten(self.word)} is not in the vocabulary{where}"
        if self.suggestions:
            return message + "; did you mean: " + ", ".join(self.suggestions) + "?"
        return message + "; check the spelling, or try another model"

    def _hint(self, word: str, suggestions: list[str]) -> str:
        if word in self.past_limit:
            row, limit = self.past_limit[word]
            return f" (word {row + 1:,} of the model, beyond ⟨limit={limit}⟩)"
        return f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class BeyondLimitError(UnknownWordError):
    """A word the model holds past ``--limit``: not in the vocabulary as loaded (a KeyError, as
    gensim's ``limit=`` leaves it out), and said to be where it is, whichever cache serves the limit."""

    def __init__(self, word: str, row: int, limit: int, model: str | None = None):
        super().__init__(word, [], model, {word: (row, limit)})


class QueryError(VecqError, ValueError):
    """A query that cannot be answered as written (empty, wrong number of words, no terms).

    Also a ValueError, as Python callers expect of an argument with the wrong value."""

    exit_code = ExitCode.UNKNOWN_WORD


class NotAWordError(QueryError, KeyError):
    """Text that cannot be a word (blank, or holding control characters): a query that cannot be
    answered, and, as gensim finds no such key (its ``kv[""]`` is a KeyError, and
    ``get_mean_vector`` leaves it out as missing), a KeyError too."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class NoMemoryError(QueryError, MemoryError):
    """An answer larger than the memory free, refused before it is built (built anyway, the kernel
    kills the process, a notebook's kernel with all it held, without a word): a query that cannot
    be answered as asked, and, as Python callers expect of it, a MemoryError too."""


class UsageError(VecqError):
    """Options or arguments that do not fit together (click's own usage errors have the same code)."""

    exit_code = ExitCode.USAGE


class OutputError(VecqError):
    """The answer cannot be written: an unwritable output file, a full disk, a closed stdout."""

    exit_code = ExitCode.FAILURE


class ModelError(VecqError):
    """The model cannot be found, fetched, read or trusted."""

    exit_code = ExitCode.MODEL


class MissingExtraError(VecqError):
    """An optional part of vecq is not installed; the message names its extra (pip install 'vecq[...]')."""

    exit_code = ExitCode.FAILURE


class ClusterError(VecqError):
    """A Dask cluster cannot be reached, cannot run vecq, or lost the job (``--dask``)."""

    exit_code = ExitCode.FAILURE


class CacheError(VecqError):
    """The cache cannot be written or is damaged beyond rebuilding."""

    exit_code = ExitCode.FAILURE


class DamagedModelError(CacheError):
    """A score that only damaged rows can give (not a number, or a cosine beyond [-1, 1])."""

    def __init__(self, model: str, score: float):
        self.model, self.score = model, score
        super().__init__(
            f"a score of {model} came out as {score!r}, which only damaged vectors give; run "
            f"'vecq cache verify' to find the damage (the cache is then converted again on its next use)"
        )


class UnavailableError(VecqError):
    """The network or a server failed on the way (a stall, no connection, HTTP 5xx or 429): the same
    command may work later."""

    exit_code = ExitCode.UNAVAILABLE


class NoSpaceError(VecqError):
    """A disk has no room for what must be written."""

    exit_code = ExitCode.FAILURE
