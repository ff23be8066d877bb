"""Merge the constraints.txt of each combination of answers of some options into one Jinja
template.

Usage: merge_locks.py OPTION[,OPTION...] ANSWER[,ANSWER...]=LOCK [...] > constraints.txt
(one ANSWER per OPTION, in the same order; every combination once)

A package whose pin and comments are the same for every combination is written as it is; any
other is wrapped in `{% if %}` blocks on the answers, so each bake renders exactly the file its
own `make lock` resolves.
"""

from __future__ import annotations

import re
import sys
from itertools import pairwise, product
from pathlib import Path

Combination = tuple[str, ...]

# A package's entry: its pin line, then its indented `# via` lines.
ENTRY_START = re.compile(r"^[^\s#]", re.MULTILINE)


def parse(text: str) -> tuple[str, dict[str, str]]:
    """The header comment and each package's entry, in file order."""
    first = ENTRY_START.search(text)
    assert first, "no package pinned"
    header, body = text[: first.start()], text[first.start() :]
    starts = [match.start() for match in ENTRY_START.finditer(body)] + [len(body)]
    entries = [body[start:end] for start, end in pairwise(starts)]
    return header, {re.split(r"[=\s;]", entry, maxsplit=1)[0]: entry for entry in entries}


def clause(option: str, answers: list[str], every: list[str]) -> str:
    """`option` is one of `answers` (of `every` answer it has)."""
    if len(answers) == 1:
        return f'{option} == "{answers[0]}"'
    others = [answer for answer in every if answer not in answers]
    return " and ".join(f'{option} != "{other}"' for other in others)


def condition(options: list[str], combinations: list[Combination], every: list[Combination]) -> str:
    """A Jinja test true for exactly `combinations` among `every` one."""
    values = [list(dict.fromkeys(c[i] for c in every)) for i in range(len(options))]
    chosen = [
        [answer for answer in values[i] if answer in {c[i] for c in combinations}]
        for i in range(len(options))
    ]
    if set(product(*chosen)) == set(combinations):
        return " and ".join(
            clause(option, answers, all_answers)
            for option, answers, all_answers in zip(options, chosen, values, strict=True)
            if answers != all_answers
        )
    return " or ".join(
        "(" + " and ".join(f'{o} == "{a}"' for o, a in zip(options, c, strict=True)) + ")"
        for c in combinations
    )


def merge(options: list[str], locks: dict[Combination, str]) -> str:
    parsed = {answers: parse(text) for answers, text in locks.items()}
    headers = {header for header, _ in parsed.values()}
    assert len(headers) == 1, "the locks' headers differ"
    every = list(locks)
    # uv's order, from the lock with every package (an answer's packages include the others').
    names = list(max((entries for _, entries in parsed.values()), key=len))
    for _, entries in parsed.values():
        assert [name for name in names if name in entries] == list(entries), "orders differ"
    out = [f"{{%- set {option} = cookiecutter.{option} -%}}\n" for option in options]
    out.append(headers.pop())
    for name in names:
        variants: dict[str, list[Combination]] = {}
        for answer in every:
            entry = parsed[answer][1].get(name)
            if entry is not None:
                variants.setdefault(entry, []).append(answer)
        if list(variants.values()) == [every]:
            out.append(next(iter(variants)))
            continue
        for index, (entry, answers) in enumerate(variants.items()):
            keyword = "if" if index == 0 else "elif"
            out.append(f"{{%- {keyword} {condition(options, answers, every)} %}}\n{entry}")
        out.append("{%- endif %}\n")
    return "".join(out)


if __name__ == "__main__":
    options, *pairs = sys.argv[1:]
    locks = {
        tuple(answers.split(",")): Path(path).read_text()
        for answers, path in (pair.split("=", 1) for pair in pairs)
    }
    sys.stdout.write(merge(options.split(","), locks))
