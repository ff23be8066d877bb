"""Merge the constraints.txt of each combination of some options' answers into one Jinja
template.

Usage: merge_locks.py OPTION[,OPTION...] ANSWER[,ANSWER...]=LOCK ... > constraints.txt

Give one lock per combination of answers, each listing one answer per option in the options'
order (`observability,admin prometheus,y=...`). A package whose pin and comments are the same
in every lock is written as it is; any other is wrapped in `{% if %}` blocks on the answers,
so each bake renders exactly the file its own `make lock` resolves.
"""

from __future__ import annotations

import re
import sys
from itertools import pairwise, product
from pathlib import Path

# A package's entry: its pin line, then its indented `# via` lines.
ENTRY_START = re.compile(r"^[^\s#]", re.MULTILINE)

Combination = tuple[str, ...]


def parse(text: str) -> tuple[str, dict[str, str]]:
    """The header comment and each package's entry, in file order."""
    first = ENTRY_START.search(text)
    assert first, "no package pinned"
    header, body = text[: first.start()], text[first.start() :]
    starts = [match.start() for match in ENTRY_START.finditer(body)] + [len(body)]
    entries = [body[start:end] for start, end in pairwise(starts)]
    return header, {re.split(r"[=\s;]", entry, maxsplit=1)[0]: entry for entry in entries}


def option_condition(option: str, answers: list[str], every: list[str]) -> str:
    if len(answers) == 1:
        return f'{option} == "{answers[0]}"'
    others = [answer for answer in every if answer not in answers]
    return " and ".join(f'{option} != "{other}"' for other in others)


def condition(options: list[str], chosen: list[Combination], every: list[Combination]) -> str:
    """A Jinja test true for exactly the `chosen` combinations of answers out of `every`: a
    clause per option when they pair some answers of each with one another, else a clause per
    combination."""
    answers = [sorted({combination[i] for combination in chosen}) for i in range(len(options))]
    if set(product(*answers)) != set(chosen):
        return " or ".join(
            "(" + " and ".join(f'{o} == "{a}"' for o, a in zip(options, c, strict=True)) + ")"
            for c in chosen
        )
    clauses = []
    for i, option in enumerate(options):
        all_answers = sorted({combination[i] for combination in every})
        if answers[i] != all_answers:
            clauses.append(option_condition(option, answers[i], all_answers))
    return " and ".join(clauses)


def merged_order(orders: list[list[str]]) -> list[str]:
    """Every name once, each lock's names in that lock's order (uv's: by name)."""
    names = list(max(orders, key=len))
    for order in orders:
        for previous, name in pairwise([None, *order]):
            if name not in names:
                names.insert(0 if previous is None else names.index(previous) + 1, name)
    return names


def merge(options: list[str], locks: dict[Combination, str]) -> str:
    parsed = {combination: parse(text) for combination, text in locks.items()}
    headers = {header for header, _ in parsed.values()}
    assert len(headers) == 1, "the locks' headers differ"
    every = list(locks)
    names = merged_order([list(entries) for _, entries in parsed.values()])
    for _, entries in parsed.values():
        assert [name for name in names if name in entries] == list(entries), "orders differ"
    out = [f"{{%- set {option} = cookiecutter.{option} -%}}\n" for option in options]
    out.append(headers.pop())
    for name in names:
        variants: dict[str, list[Combination]] = {}
        for combination in every:
            entry = parsed[combination][1].get(name)
            if entry is not None:
                variants.setdefault(entry, []).append(combination)
        if list(variants.values()) == [every]:
            out.append(next(iter(variants)))
            continue
        for index, (entry, chosen) in enumerate(variants.items()):
            keyword = "if" if index == 0 else "elif"
            out.append(f"{{%- {keyword} {condition(options, chosen, every)} %}}\n{entry}")
        out.append("{%- endif %}\n")
    return "".join(out)


if __name__ == "__main__":
    options_arg, *pairs = sys.argv[1:]
    locks = {
        tuple(answers.split(",")): Path(path).read_text()
        for answers, path in (pair.split("=", 1) for pair in pairs)
    }
    sys.stdout.write(merge(options_arg.split(","), locks))
