"""How a model spec names its table and how to read it: ``SPEC#TENSOR`` and
``FILE?format=F&unicode_errors=E`` (``names.identify`` reads them). Light on purpose: every command's
model options are built from it at start-up, before anything else of the sources is needed.
"""

from __future__ import annotations

from typing import overload

from .catalogue import default_model

READABLE_FORMATS = ("word2vec-bin", "word2vec-text", "glove-text", "fasttext-bin")
UNICODE_ERRORS = ("strict", "replace", "ignore")
POOLS = ("mean",)  # how a word of several tokens is embedded from a language model's table


@overload
def spec_with(
    spec: str, tensor: str | None = ..., model_format: str | None = ..., unicode_errors: str | None = ...
) -> str: ...
@overload
def spec_with(
    spec: None, tensor: str | None = ..., model_format: str | None = ..., unicode_errors: str | None = ...
) -> str | None: ...


def spec_with(
    spec: str | None,
    tensor: str | None = None,
    model_format: str | None = None,
    unicode_errors: str | None = None,
) -> str | None:
    """``spec`` naming its table (``#TENSOR``) and how to read it (``?format=...&unicode_errors=...``)."""
    if tensor is None and model_format is None and unicode_errors in (None, "strict"):
        return spec
    if spec is None:
        spec = default_model()
    if tensor is not None:
        spec = f"{spec}#{tensor}"
    reading = [("format", model_format), ("unicode_errors", unicode_errors)]
    query = "&".join(f"{k}={v}" for k, v in reading if v is not None and v != "strict")
    return f"{spec}?{query}" if query else spec
