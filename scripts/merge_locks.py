"""Merge the constraints.txt of each answer of one option into one Jinja template.

Usage: merge_locks.py OPTION ANSWER=LOCK [ANSWER=LOCK ...] > constraints.txt

A package whose pin and comments are the same for every answer is written as it is; any other
is wrapped in `{% if %}` blocks on the answer, so each bake renders exactly the file its own
`make lock` resolves.
"""

from __future__ import annotations

import re
import sys
from itertools import pairwise
from pathlib import Path

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


def condition(option: str, answers: list[str], every: list[str]) -> str:
    if len(answers) == 1:
        return f'{option} == "{answers[0]}"'
    others = [answer for answer in every if answer not in answers]
    return " and ".join(f'{option} != "{other}"' for other in others)


def merge(option: str, locks: dict[str, str]) -> str:
    parsed = {answer: parse(text) for answer, text in locks.items()}
    headers = {header for header, _ in parsed.values()}
    assert len(headers) == 1, "the locks' headers differ"
    every = list(locks)
    # uv's order, from the lock with every package (an answer's packages include the others').
    names = list(max((entries for _, entries in parsed.values()), key=len))
    for _, entries in parsed.values():
        assert [name for name in names if name in entries] == list(entries), "orders differ"
    out = [f"{{%- set {option} = cookiecutter.{option} -%}}\n", headers.pop()]
    for name in names:
        variants: dict[str, list[str]] = {}
        for answer in every:
            entry = parsed[answer][1].get(name)
            if entry is not None:
                variants.setdefault(entry, []).append(answer)
        if list(variants.values()) == [every]:
            out.append(next(iter(variants)))
            continue
        for index, (entry, answers) in enumerate(variants.items()):
            keyword = "if" if index == 0 else "elif"
            out.append(f"{{%- {keyword} {condition(option, answers, every)} %}}\n{entry}")
        out.append("{%- endif %}\n")
    return "".join(out)


if __name__ == "__main__":
    option, *pairs = sys.argv[1:]
    locks = {answer: Path(path).read_text() for answer, path in (p.split("=", 1) for p in pairs)}
    sys.stdout.write(merge(option, locks))
