"""Errors a user can cause, each with the exit status the CLI reports for it.

The engine and the store raise these; only the CLI turns them into a line on stderr, so the library
stays usable from Python with ordinary exceptions.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """vecq's exit statuses; documented in the README and the guide."""

    OK = 0
    FAILURE = 1  # an error that fits no other code (for example the cache cannot be managed)
    USAGE = 2  # bad options or arguments (click's own code)
    UNKNOWN_WORD = 3  # a word is not in the vocabulary, or a query is malformed
    MODEL = 4  # the model cannot be found, downloaded, read or trusted
    PARTIAL = 5  # a batch finished, but some of its lines failed
    INTERRUPTED = 130  # Ctrl-C


class VecqError(Exception):
    """Base class: a message fit for one line on stderr, and an exit code."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownWordError(VecqError, KeyError):
    """A word is not in the vocabulary.

    Also a KeyError, so Python callers can catch it the way they catch gensim's.
    """

    exit_code = ExitCode.UNKNOWN_WORD

    def __init__(self, word: str, suggestions: list[str] | None = None, model: str | None = None):
        self.word = word
        self.suggestions = list(suggestions or [])
        where = f" of {model}" if model else ""
        message = f"{word!r} is not in the vocabulary{where}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            message += "; check the spelling, or try another model"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class QueryError(VecqError):
    """A query that cannot be answered as written (empty, wrong number of words, no terms)."""

    exit_code = ExitCode.UNKNOWN_WORD


class ModelError(VecqError):
    """The model cannot be found, fetched, read or trusted."""

    exit_code = ExitCode.MODEL


class CacheError(VecqError):
    """The cache cannot be written or is damaged beyond rebuilding."""

    exit_code = ExitCode.FAILURE
