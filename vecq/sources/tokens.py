"""A tokenizer's tokens as vecq shows them: one visible convention for every kind of tokenizer.

Tokenizers mark a word's start three ways: byte-level BPE (GPT-2, Llama 3, Qwen) writes a leading
space as ``Ġ`` and every other byte as a stand-in letter; SentencePiece (Llama 2, T5, Mistral)
writes it ``▁``; WordPiece (BERT) marks the opposite, a piece that continues a word, with ``##``.
vecq shows every token as the text it stands for, with SentencePiece's ``▁`` for the space that
starts a word:

- byte-level BPE: ``Ġcat`` -> ``▁cat``, ``cat`` -> ``cat``, ``Ċ`` -> ``<0x0A>``; bytes that are not
  whole UTF-8 characters and control characters are written ``<0xNN>`` (SentencePiece's byte tokens);
- SentencePiece: unchanged;
- WordPiece: ``cat`` -> ``▁cat`` (it starts a word), ``##at`` -> ``at``;
- added and special tokens (``<|endoftext|>``, ``[CLS]``): unchanged.

A shown form is unique within a table: should two tokens come out the same, the later keeps its
tokenizer's own spelling. ``core/words.py`` reads what users type the same way (``cat`` finds
``▁cat`` first, then ``cat``; ``Ġcat``, ``" cat"`` and ``##at`` are understood).
"""

from __future__ import annotations

from ..core.words import WORD_START


def byte_level_alphabet() -> dict[str, int]:
    """GPT-2's map from the stand-in letters of byte-level BPE back to bytes (``bytes_to_unicode``)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    letters = list(printable)
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            letters.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, letters)}


def kind(spec: dict) -> str:
    """The tokenizer's kind: ``byte-level BPE``, ``SentencePiece``, ``WordPiece``, or its model type."""
    model = spec.get("model") or {}
    parts = []
    for part in ("pre_tokenizer", "decoder"):
        node = spec.get(part) or {}
        parts.append(node)
        parts += node.get("pretokenizers") or node.get("decoders") or []
    types = {p.get("type") for p in parts if isinstance(p, dict)}
    if "ByteLevel" in types:
        return "byte-level BPE"
    if model.get("type") == "WordPiece":
        return "WordPiece"
    if "Metaspace" in types or model.get("type") == "Unigram":
        return "SentencePiece"
    return str(model.get("type") or "unknown")


def shown_forms(tokens: list[str], spec: dict, special: set[str]) -> list[str]:
    """Each token (row order) as vecq shows it; ``special`` ones as they are. See the module's rules."""
    how = kind(spec)
    if how == "byte-level BPE":
        alphabet = byte_level_alphabet()

        def show(token: str) -> str:
            return _from_bytes(token, alphabet)

    elif how == "WordPiece":
        prefix = (spec.get("model") or {}).get("continuing_subword_prefix") or "##"

        def show(token: str) -> str:
            return (
                token[len(prefix) :] if token.startswith(prefix) and token != prefix else WORD_START + token
            )

    else:
        return list(tokens)
    out: list[str] = []
    seen: set[str] = set()
    for token in tokens:
        form = token if token in special else show(token)
        if form in seen:
            form = token
        seen.add(form)
        out.append(form)
    return out


def _from_bytes(token: str, alphabet: dict[str, int]) -> str:
    try:
        raw = bytes(alphabet[ch] for ch in token)
    except KeyError:  # not a byte-level token (an added one): as it is
        return token
    text = raw.decode("utf-8", errors="surrogateescape")
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not part of a whole UTF-8 character
            out.append(f"<0x{code - 0xDC00:02X}>")
        elif ch == " ":
            out.append(WORD_START)
        elif code < 32 or code == 127:
            out.append(f"<0x{code:02X}>")
        else:
            out.append(ch)
    return "".join(out)
