"""JSON that comes from outside vecq's code: a model's files, the Hub, a cache or a job on disk.

One rule for all of it. ``parse`` bounds what it reads (bytes, nesting, the digits of a number) and
``Fields`` reads each value by the type and the range it must have, so a hostile or damaged file is
one line naming the file, the field and what was expected, never a traceback. The caller chooses
the error class (a model's file: ``ModelError``, exit 4). A leaf: it imports only the errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import ModelError, VecqError

MAX_FILE = 256 << 20  # a JSON file of a model: a tokenizer.json of a 256k-token vocabulary is ~20 MB
MAX_DEPTH = 64  # no file vecq reads nests deeper (a tokenizer.json: about 6)
MAX_DIGITS = 30  # an integer field holds a count, an id or an offset: never more digits
_SCALARS = (str, int, float, bool, type(None))


class _TooManyDigits(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _TooManyDigits(f"a number of {len(text.lstrip('-')):,} digits")
    return int(text)


def parse(
    raw: bytes | str, where: str, max_bytes: int, error: type[VecqError] = ModelError, what: str = "JSON"
) -> Any:
    """``raw`` parsed as JSON, or ``error`` naming ``where``: more than ``max_bytes``, not UTF-8, not
    JSON, nested deeper than ``MAX_DEPTH``, or an integer of more than ``MAX_DIGITS`` digits."""
    if len(raw) > max_bytes:
        raise error(f"{where}: its {what} is {len(raw):,} bytes, more than the {max_bytes:,} vecq reads")
    try:
        value = json.loads(raw, parse_int=_int)
    except _TooManyDigits as e:
        raise error(f"{where}: its {what} holds {e}, which no field of it can be") from e
    except RecursionError as e:
        raise error(
            f"{where}: its {what} is nested deeper than {MAX_DEPTH} levels; it is not a model's"
        ) from e
    except (UnicodeDecodeError, ValueError) as e:
        raise error(f"{where}: its {what} is not JSON ({str(e).splitlines()[0][:200]})") from e
    _check_depth(value, where, error, what)
    return value


def load(
    path: str,
    what: str = "JSON",
    missing: str | None = None,
    max_bytes: int = MAX_FILE,
    error: type[VecqError] = ModelError,
) -> Any:
    """A JSON file parsed by ``parse``'s rules; ``error`` in one line for anything else (``missing``:
    the message when it does not exist). A FIFO or a device is refused, never waited on."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as e:
        raise error(missing or f"{path} does not exist") from e
    except OSError as e:
        raise error(f"cannot read {path}: {e.strerror or e}") from e
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        raw = f.read(max_bytes + 1)
    return parse(raw, path, max_bytes, error, what)


def _check_depth(value: Any, where: str, error: type[VecqError], what: str) -> None:
    """Walks ``value`` without recursion; ``error`` when it nests deeper than ``MAX_DEPTH``."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _SCALARS):
            continue
        if depth > MAX_DEPTH:
            raise error(f"{where}: its {what} is nested deeper than {MAX_DEPTH} levels; it is not a model's")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if not isinstance(child, _SCALARS))


class Fields:
    """Typed reads of a parsed JSON object's fields; each wrong one is ``error`` naming ``where``
    and the field's path (``model.vocab``), what it should be, and what it is."""

    def __init__(self, where: str, error: type[VecqError] = ModelError):
        self.where, self.error = where, error

    def fail(self, path: str, expected: str, value: Any) -> VecqError:
        shown = type(value).__name__ if isinstance(value, (dict, list)) else repr(value)[:60]
        return self.error(f"{self.where}: {path} should be {expected}, not {shown}")

    def object(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, "a JSON object", value)
        return value

    def array(self, value: Any, path: str, length: int | None = None) -> list[Any]:
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise self.fail(path, "a list" + (f" of {length}" if length is not None else ""), value)
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "a string", value)
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "true or false", value)
        return value

    def integer(self, value: Any, path: str, low: int = 0, high: int = 1 << 62) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(path, f"a whole number from {low:,} to {high:,}", value)
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise self.fail(path, "a number", value)
        return float(value)

    def integers(self, value: Any, path: str, length: int | None = None, high: int = 1 << 62) -> list[int]:
        items = self.array(value, path, length)
        return [self.integer(v, f"{path}[{i}]", 0, high) for i, v in enumerate(items)]

    def optional(
        self, obj: dict, key: str, read: Callable[..., Any], path: str, *args: Any, **kwargs: Any
    ) -> Any:
        """``obj[key]`` read by ``read`` (a method of this class), or None when absent or null."""
        value = obj.get(key)
        return None if value is None else read(value, f"{path}{key}" if path else key, *args, **kwargs)
