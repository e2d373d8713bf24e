"""Standard evaluations with gensim's exact rules, answered in batches of matrix products.

``analogies`` follows ``KeyedVectors.evaluate_word_analogies``: only the first ``restrict`` words
count, words are compared upper-cased (case-insensitive by default) with the most frequent spelling
standing for each, questions with unknown words are skipped and counted, and the prediction is the
first of the top five answers that is not an input word. ``pairs`` follows ``evaluate_word_pairs``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..errors import QueryError
from ..progress import NULL_REPORTER, Reporter
from . import threads
from .compressed import open_file
from .model import Model
from .text_lines import utf8_lines
from .words import Match, word_of

CHUNK = 2048  # questions a chunk: the more they share pairs and Cs, the fewer products


Question = tuple[str, str, str, str]  # a, b, c and the expected answer, as compared (upper-cased)


@dataclass
class Section:
    """A section's questions answered right and wrong (gensim's ``correct``/``incorrect`` lists)."""

    section: str
    right: list[Question] = field(default_factory=list)
    wrong: list[Question] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return len(self.right)

    @property
    def incorrect(self) -> int:
        return len(self.wrong)

    @property
    def total(self) -> int:
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        """The share answered right; NaN for a section that asked nothing (not 0: nothing was wrong)."""
        return self.correct / self.total if self.total else float("nan")


@dataclass
class AnalogyReport:
    sections: list[Section] = field(default_factory=list)
    questions: int = 0
    skipped: int = 0
    invalid: list[int] = field(default_factory=list)  # line numbers not four words: skipped (gensim's rule)
    restricted_to: int = 0  # the words that counted
    case_insensitive: bool = True

    def nothing_scored(self) -> str | None:
        """Why no question was scored (an accuracy of nothing is no score), or None."""
        if self.total.total:
            return None
        if self.questions:
            each = (
                "its question has" if self.questions == 1 else f"each of its {self.questions} questions has"
            )
            wider = "a larger restriction" + (
                "" if self.case_insensitive else ", or comparing words case-insensitively,"
            )
            return (
                f"no question to score: {each} a word outside the model's first "
                f"{self.restricted_to} words ({wider} may find them)"
            )
        if self.invalid:
            return f"no question to score: none of its lines is four words (line {self.invalid[0]} is not)"
        return "no question to score: it holds no questions (': section' lines, then 'a b c d' lines)"

    @property
    def total(self) -> Section:
        return Section(
            "Total accuracy",
            [q for s in self.sections for q in s.right],
            [q for s in self.sections for q in s.wrong],
        )


def ok_vocabulary(model: Model, restrict: int, case_insensitive: bool) -> dict[str, int]:
    """Word -> row over the first ``restrict`` rows; upper-cased words map to their most frequent
    row. A token table's words are its word-start tokens' (``words.word_of``)."""
    n = min(restrict, len(model))
    tokens = model.vocab.tokens
    forms = [word_of(w, tokens) for w in model.vocab.words(range(n))]
    if case_insensitive:
        return {f.upper(): i for i, f in reversed(list(enumerate(forms))) if f is not None}
    return {f: i for i, f in enumerate(forms) if f is not None}


def _five_candidates(
    model: Model, triples: list[tuple[Match, Match, Match]], method: str, restrict: int
) -> list[list[tuple[int, float]]]:
    """gensim's five candidates for each question (its accuracy needs the ranking only: no exact
    re-scoring of printed scores)."""
    if model.vocab.tokens:
        return _among_words(model, triples, method, restrict, top=5)
    return model.analogies(triples, top=5, method=method, restrict=restrict, exact_scores=False)


def _among_words(
    model: Model, triples: list[tuple[Match, Match, Match]], method: str, restrict: int, top: int
) -> list[list[tuple[int, float]]]:
    """A token table's ``top`` answers to each question among its words only (a piece inside a word
    is no word of an evaluation file), as gensim's ranking over those words alone: more rows are
    asked for until each question has ``top`` words, or has had every row."""
    results: list[list[tuple[int, float]]] = [[] for _ in triples]
    todo, asked = list(range(len(triples))), top * 8
    while todo:
        found = model.analogies(
            [triples[i] for i in todo], top=asked, method=method, restrict=restrict, exact_scores=False
        )
        again = []
        for i, rows in zip(todo, found):
            words = [(row, score) for row, score in rows if word_of(model.vocab.word(row), True)]
            if len(words) >= top or len(rows) < asked:
                results[i] = words[:top]
            else:
                again.append(i)
        todo, asked = again, asked * 8
    return results


def _read_lines(path: str | Path) -> Iterator[str]:
    """The file's lines, decompressed as gensim reads ``.gz``/``.bz2``/``.xz`` files, a file with a
    byte-order mark read in the encoding it names (``utf8_lines``: Notepad's UTF-8 or UTF-16); a
    line that is not UTF-8 is a QueryError naming it (gensim's UnicodeDecodeError), never read with
    U+FFFD in it."""
    with open_file(str(path)) as f:
        for number, raw in enumerate(utf8_lines(f, str(path)), 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise QueryError(
                    f"{path}, line {number}: not valid UTF-8; vecq reads UTF-8: convert the file, "
                    "e.g. iconv -f latin1 -t utf-8"
                ) from None


def analogies(
    model: Model,
    path: str | Path,
    restrict: int = 300_000,
    case_insensitive: bool = True,
    method: str = "add",
    reporter: Reporter = NULL_REPORTER,
    dummy4unknown: bool = False,
) -> AnalogyReport:
    """Accuracy per section on a questions-words.txt style file (``dummy4unknown``: a question with
    an unknown word counts as answered wrong, as gensim's)."""
    ok = ok_vocabulary(model, restrict, case_insensitive)
    report = AnalogyReport(restricted_to=min(restrict, len(model)), case_insensitive=case_insensitive)
    # (question number, section index, a, b, c, expected) with upper-cased (or exact) keys
    todo: list[tuple[int, int, str, str, str, str]] = []
    answered: list[tuple[int, int, bool, Question]] = []  # (number, section, right, question)
    for number, line in enumerate(_read_lines(path)):
        if line.startswith(": "):
            report.sections.append(Section(line.lstrip(": ").strip()))
            continue
        if not report.sections:
            raise QueryError(f"{path}: missing section header (': name') before line {number + 1}")
        words = [w.upper() for w in line.split()] if case_insensitive else line.split()
        if len(words) != 4:
            if words:
                report.invalid.append(number + 1)
            continue
        report.questions += 1
        a, b, c, d = words
        if not all(w in ok for w in words):
            report.skipped += 1
            if dummy4unknown:
                answered.append((report.questions, len(report.sections) - 1, False, (a, b, c, d)))
            continue
        todo.append((report.questions, len(report.sections) - 1, a, b, c, d))

    def answer_chunk(chunk: list[tuple[int, int, str, str, str, str]]) -> list[list[tuple[int, float]]]:
        # gensim asks most_similar(positive=[b, c], negative=[a]): in vecq's order, b - a + c.
        triples = [(Match(b, b, ok[b]), Match(a, a, ok[a]), Match(c, c, ok[c])) for *_, a, b, c, _ in chunk]
        return _five_candidates(model, triples, method, restrict)

    chunks = [todo[start : start + CHUNK] for start in range(0, len(todo), CHUNK)]
    done = 0
    with reporter.task("answering analogies", len(todo)) as task, threads.pool() as workers:
        for chunk, results in zip(chunks, workers.map(answer_chunk, chunks)):
            for (number, sec, a, b, c, expected), result in zip(chunk, results):
                predicted = None
                for row, _ in result:
                    word = word_of(model.vocab.word(row), model.vocab.tokens) or ""
                    predicted = word.upper() if case_insensitive else word
                    if predicted in ok and predicted not in (a, b, c):
                        break
                answered.append((number, sec, predicted == expected, (a, b, c, expected)))
            done += len(chunk)
            task.update(done)
    for _, sec, right, question in sorted(answered, key=lambda found: found[0]):  # in the file's order
        (report.sections[sec].right if right else report.sections[sec].wrong).append(question)
    return report


class JudgedPairs(NamedTuple):
    gold: np.ndarray  # the judged scores
    ours: np.ndarray  # the model's cosines of the same pairs (float64)
    unknown: int  # pairs with a word the model lacks
    invalid: list[int]  # the numbers of the lines skipped: not two words and a score
    lines: list[int]  # the line of each judged pair


@dataclass
class PairsReport:
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    pairs: int
    unknown: int
    invalid: list[int] = field(default_factory=list)  # line numbers not 'word, word, score': skipped

    @property
    def unknown_ratio(self) -> float:
        return self.unknown / (self.pairs + self.unknown) if self.pairs + self.unknown else 0.0


def pairs(
    model: Model,
    path: str | Path,
    restrict: int = 300_000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
) -> PairsReport:
    """Pearson and Spearman correlation of the model's cosines with human judgements.

    Raises:
        QueryError: a judged score is NaN or infinite (gensim's correlations would be NaN), naming
            its line; or no line is a usable pair.
    """
    judged = pair_scores(model, path, restrict, case_insensitive, delimiter)
    bad = np.flatnonzero(~np.isfinite(judged.gold))
    if bad.size:
        raise QueryError(
            f"{path}: a judged score is not a finite number (line {judged.lines[bad[0]]}); "
            "fix or remove that line"
        )
    if len(judged.gold) < 2:
        raise QueryError(
            f"{path}: only {len(judged.gold)} pair has both words in the model ({judged.unknown} had "
            "an unknown word); a correlation needs at least 2"
        )
    with warnings.catch_warnings():  # scipy's for constant input: NaN, which ``eval`` explains
        warnings.simplefilter("ignore")
        pearson, spearman = _correlations(judged.gold, judged.ours)
    correlations = (float(pearson[0]), float(pearson[1]), float(spearman[0]), float(spearman[1]))
    return PairsReport(*correlations, len(judged.gold), judged.unknown, judged.invalid)


def pairs_as_gensim(
    model: Model,
    path: str | Path,
    restrict: int = 300_000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    dummy4unknown: bool = False,
) -> tuple[Any, Any, float]:
    """gensim's ``evaluate_word_pairs`` answer: scipy's Pearson and Spearman results, and the
    percentage of pairs with an unknown word."""
    gold, ours, unknown, _, _ = pair_scores(model, path, restrict, case_insensitive, delimiter, dummy4unknown)
    total = len(gold) + (0 if dummy4unknown else unknown)
    return (*_correlations(gold, ours), unknown / total * 100)


def _correlations(gold: np.ndarray, ours: np.ndarray) -> tuple[Any, Any]:
    """scipy's Pearson and Spearman results of the model's cosines against the judged scores."""
    from scipy import stats

    return stats.pearsonr(gold, ours), stats.spearmanr(gold, ours)


def pair_line(delimiter: str) -> str:
    """How a judged pair's line is written with ``delimiter``: 'word<TAB>word<TAB>score'."""
    shown = "<TAB>" if delimiter == "\t" else delimiter
    return f"'word{shown}word{shown}score'"


def _separated(line: str, delimiter: str) -> str:
    """What to say of a skipped line that is a judged pair with another common delimiter."""
    for other in ("\t", ",", ";"):
        fields = line.split(other)
        if other != delimiter and len(fields) == 3 and fields[2].strip():
            try:
                float(fields[2])
            except ValueError:
                continue
            if other == "\t":  # the default: only another one given can have missed it
                return (
                    f"; its lines read as {pair_line(other)}: leave the delimiter out (a tab is the default)"
                )
            return f"; its lines read as {pair_line(other)}: give ⟨delimiter={other}⟩"
    return ""


def pair_scores(
    model: Model,
    path: str | Path,
    restrict: int = 300_000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    dummy4unknown: bool = False,
) -> JudgedPairs:
    """The judged pairs of a file, as gensim's ``evaluate_word_pairs`` reads them: lines that are
    not two words and a score are skipped; a pair with an unknown word is counted, and kept with a
    cosine of 0 with ``dummy4unknown``."""
    ok = ok_vocabulary(model, restrict, case_insensitive)
    gold: list[float] = []
    lines: list[int] = []
    invalid: list[int] = []
    rows_a: list[int] = []
    rows_b: list[int] = []
    dummies: list[int] = []  # the places of pairs with an unknown word, when kept
    unknown = 0
    skipped = ""  # the first line skipped, to say how it may be separated
    for number, line in enumerate(_read_lines(path), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        try:
            a, b, sim = [w.upper() for w in fields] if case_insensitive else fields
            score = float(sim)
        except ValueError:
            if line.strip():
                invalid.append(number)
                skipped = skipped or line
            continue
        if a not in ok or b not in ok:
            unknown += 1
            if dummy4unknown:
                dummies.append(len(gold))
                gold.append(score)
                lines.append(number)
            continue
        gold.append(score)
        lines.append(number)
        rows_a.append(ok[a])
        rows_b.append(ok[b])
    if not gold and unknown:
        each = "its pair has" if unknown == 1 else f"each of its {unknown:,} pairs has"
        raise QueryError(
            f"{path}: no pair to score: {each} a word outside the model's first "
            f"{min(restrict, len(model)):,} words (a larger restriction may find them)"
        )
    if not gold:
        expected = f"expected {pair_line(delimiter)} lines"
        raise QueryError(f"{path}: no usable word pairs ({expected}){_separated(skipped, delimiter)}")
    known = np.ones(len(gold), dtype=bool)
    known[dummies] = False
    ours = np.zeros(len(gold))
    if rows_a:
        ours[known] = model.similarities(np.array(rows_a), np.array(rows_b))
    return JudgedPairs(np.array(gold), ours, unknown, invalid, lines)
