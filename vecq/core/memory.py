"""What memory this machine has free: an answer that cannot fit is refused before it is built (the
kernel would kill the process, a notebook's kernel with all its state, without a word)."""

from __future__ import annotations

from ..errors import NoMemoryError
from ..records import Bytes


def available_memory() -> int | None:
    """Bytes the kernel says can be taken without swapping (``MemAvailable``), or None where it
    does not say (no ``/proc``)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_fits(size: int, what: str, instead: str) -> None:
    """Refuse ``what``, ``size`` bytes, when the free memory cannot hold it; ``instead`` says what
    to ask for."""
    available = available_memory()
    if available is not None and size > available:
        raise NoMemoryError(
            f"{what} needs {Bytes(size).human()} of memory, and {Bytes(available).human()} is free: {instead}"
        )
