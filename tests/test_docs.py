"""The docs cannot rot: their examples are run and compared, and every command is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vecq.cli import cli
from vecq.cli.group import command_tree

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.slow
def test_examples_and_reference_print_what_the_docs_say(tmp_path):
    """Runs every example of guide.md and tutorial.md, and regenerates reference.md from --help."""
    proc = subprocess.run(
        [sys.executable, str(DOCS / "generate.py"), "--check", "--cache", str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, "docs are out of date; run python docs/generate.py\n" + proc.stdout[-6000:]


def test_every_command_is_in_the_guide_and_the_reference():
    guide = (DOCS / "guide.md").read_text()
    reference = (DOCS / "reference.md").read_text()
    for path, _ in list(command_tree(cli))[1:]:
        assert f"vecq {' '.join(path)}" in guide or f"`{' '.join(path)}`" in guide, path
        assert f"## vecq {' '.join(path)}\n" in reference, path


@pytest.mark.parametrize("image", ["words.png", "epochs.png", "screenshots/explorer.png"])
def test_the_guide_images_are_committed(image):
    data = (DOCS / image).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_every_exit_code_is_documented_where_users_read_them():
    """The codes of ``ExitCode``: the README's table, the guide's, and ``vecq --help`` say the same."""
    import re

    from vecq.errors import ExitCode

    codes = {int(c) for c in ExitCode}
    readme = (DOCS.parent / "README.md").read_text()
    guide = (DOCS / "guide.md").read_text()
    for text in (readme.split("## Exit codes")[1], guide.split("## Exit codes and environment")[1]):
        assert {int(n) for n in re.findall(r"^\| (\d+) \|", text.split("| variable |")[0], re.M)} == codes
    helped = " ".join(cli.help.split("Exit codes:")[1].split())
    assert {int(n) for n in re.findall(r"(\d+) [a-z]", helped)} == codes


def test_a_value_claimed_beside_an_example_must_be_what_it_printed():
    sys.path.insert(0, str(DOCS))
    from generate import unsupported_claims

    block = "```console\n$ vecq similar cat dog\ncat\tdog\t0.921801\n```\n"
    assert unsupported_claims("cat and dog score 0.921801.\n\n" + block) == []
    assert unsupported_claims("cat and dog score 0.931801.\n\n" + block) != []
    assert unsupported_claims(block + "\nThat was 0.921801; it takes 0.082 s.\n") == []
    for name in ("guide.md", "tutorial.md"):  # the committed docs hold no stale claim
        assert unsupported_claims((DOCS / name).read_text()) == [], name


def test_a_claim_of_order_must_be_what_the_examples_show():
    sys.path.insert(0, str(DOCS))
    from generate import false_claims

    block = (
        "```console\n$ vecq neighbors cat -n 3\nquery\trank\tword\tsimilarity\n"
        "cat\t1\tdog\t0.921801\ncat\t2\trabbit\t0.848782\ncat\t3\tmonkey\t0.804108\n```\n"
    )
    assert false_claims("`cat` is nearer `dog` than `rabbit`.\n\n" + block) == []
    assert false_claims("`cat` is nearer `rabbit` than `dog`.\n\n" + block) != []
    assert false_claims("`cat` is nearer `dog` than `kitten`.\n\n" + block) != []  # not shown
    assert false_claims(block + "\n`rabbit` is in `cat`'s top 2, `kitten` is not in `cat`'s top 3.\n") == []
    assert false_claims(block + "\n`monkey` is in `cat`'s top 2.\n") != []
    assert false_claims(block + "\n`dog` is not in `cat`'s top 3.\n") != []
    assert false_claims(block + "\n`dog` is in `cat`'s top 5.\n") != []  # only 3 shown
    matrix = (
        "```console\n$ vecq similar cat kitten puppy -f table\n┃        ┃ cat ┃ kitten ┃ puppy ┃\n"
        "│ cat │ 1.000000 │ 0.638631 ▓ │ 0.762560 ▓ │\n```\n"
    )
    assert false_claims(matrix + "\n`cat` is nearer `puppy` than `kitten`.\n") == []
    assert false_claims(matrix + "\n`cat` is nearer `kitten` than `puppy`.\n") != []
    for name in ("guide.md", "tutorial.md"):  # the committed docs hold no false claim
        assert false_claims((DOCS / name).read_text()) == [], name
