"""``vecq weat``: the Word Embedding Association Test, the paper's ten tests or one of your own."""

from __future__ import annotations

import click

from .options import output_options
from .session import Session

COLUMNS = (
    "test",
    "effect_size",
    "p_value",
    "ci_low",
    "ci_high",
    "statistic",
    "p_method",
    "words",
    "paper_effect_size",
)


def found_words(session: Session, model, words: list[str], name: str) -> list:
    """The matches of a set's words; the words the model lacks are left out (said once), unless
    they are more than WEFE's threshold of the set, which is an error naming them."""
    from ..core.queries import find_words
    from ..core.weat import LOST_LIMIT
    from ..core.words import Match
    from ..errors import QueryError, counted

    found = find_words(model, words, suggest=False)
    matches = [m for m in found if isinstance(m, Match)]
    lost = [w for w, m in zip(words, found) if not isinstance(m, Match)]
    if len(lost) > LOST_LIMIT * len(words):
        raise QueryError(
            f"{len(lost)} of the {len(words)} words of {name} are not in the vocabulary of "
            f"{model.info.name} ({', '.join(lost[:8])}{' ...' if len(lost) > 8 else ''}); "
            "a test is not meaningful without them"
        )
    if lost:
        session.warn(f"{name}: left out {counted(len(lost), 'word')} the model lacks: {', '.join(lost)}")
    return matches


@click.command()
@click.argument("tests", nargs=-1, metavar="[TEST]...")
@click.option("--x", "x_words", metavar="WORDS", help="Your own test: target words X (one argument).")
@click.option("--y", "y_words", metavar="WORDS", help="Target words Y.")
@click.option("--a", "a_words", metavar="WORDS", help="Attribute words A.")
@click.option("--b", "b_words", metavar="WORDS", help="Attribute words B.")
@click.option(
    "--samples",
    type=click.IntRange(100, 10_000_000),
    default=100_000,
    show_default=True,
    help="Random partitions for the p-value when there are more than 200,000 (else all are counted).",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(100, 1_000_000),
    default=10_000,
    show_default=True,
    help="Resamples for the interval.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="The seed of the sampled p-value and the interval."
)
@output_options
def weat(session: Session, tests, x_words, y_words, a_words, b_words, samples, bootstrap, seed) -> None:
    """The Word Embedding Association Test (Caliskan, Bryson and Narayanan 2017).

    \b
    Do target words X and Y differ in how near they are to attribute words A
    and B? The effect size (Cohen's d of s(w) = mean cos(w, A) - mean
    cos(w, B)), a one-sided permutation p-value (every partition of X and Y
    when there are at most 200,000, else --samples of them, seeded), and a
    95% bootstrap interval. TEST: the paper's tests, weat1 ... weat10 (or
    flowers-insects, instruments-weapons, names-pleasant, names-pleasant-2,
    names-pleasant-3, names-career, math-arts, science-arts, disease-permanence,
    age-pleasant); none given: all ten. Or your own with --x --y --a --b, each
    a list of words in one argument.
    Words the model lacks are left out and named (an error past 20% of a set).
    """
    from ..core import weat as tests_module

    model = session.open()
    shipped = tests_module.shipped_tests()
    chosen = _chosen_tests(shipped, tests, [x_words, y_words, a_words, b_words])
    records = []
    for test in chosen:
        sets = [
            test[k].split() if test.get("own") else shipped["sets"][test[k]] for k in ("x", "y", "a", "b")
        ]
        labels = [
            f"{test['name']}: {k.upper()}" if test.get("own") else test[k] for k in ("x", "y", "a", "b")
        ]
        matches = [found_words(session, model, words, label) for words, label in zip(sets, labels)]
        x, y, a, b = matches
        result = tests_module.weat(model, x, y, a, b, samples=samples, bootstrap=bootstrap, seed=seed)
        used = sum(len(m) for m in matches)
        records.append(
            {
                "test": test["name"],
                **result._asdict(),
                "words": f"{used}/{sum(len(s) for s in sets)}",
                "paper_effect_size": test.get("paper_effect_size"),
            }
        )
    with session.renderer(COLUMNS, "WEAT", model) as out:
        out.write(records)


def _chosen_tests(shipped: dict, tests: tuple[str, ...], own: list[str | None]) -> list[dict]:
    """The tests to run: the named (or all) shipped ones, or the user's own from --x --y --a --b."""
    from ..errors import UsageError, first_few, shorten

    by_name = {t["name"]: t for t in shipped["tests"]} | {t["alias"]: t for t in shipped["tests"]}
    if any(o is not None for o in own):  # an empty --x '' is given, and refused: not all ten tests
        stray = [t for t in tests if t not in by_name]
        if stray:  # --x cat dog: dog is taken for a TEST
            shown = first_few([shorten(t) for t in stray], 3)
            raise UsageError(
                f"{shown}: not a test; each of --x, --y, --a and --b takes its words in one argument, "
                f"quoted: --x 'he him man'"
            )
        if any(o is None for o in own) or tests:
            raise UsageError("your own test takes all of --x, --y, --a and --b, and no TEST name")
        empty = [f"--{name}" for name, o in zip("xyab", own) if o is not None and not o.split()]
        if empty:
            raise UsageError(f"{', '.join(empty)}: no words; give each set's words in one argument, quoted")
        x, y, a, b = own
        return [{"name": "custom", "x": x, "y": y, "a": a, "b": b, "own": True}]
    unknown = [t for t in tests if t not in by_name]
    if unknown:
        known = ", ".join(t["name"] for t in shipped["tests"])
        raise UsageError(f"no test {unknown[0]!r}; the paper's tests are {known} (or --x --y --a --b)")
    return [by_name[t] for t in tests] if tests else shipped["tests"]
