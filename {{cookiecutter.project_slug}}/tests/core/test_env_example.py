""".env.example documents every setting: each one, what it means, and its default."""

import re
from itertools import pairwise

from {{ cookiecutter.package_name }}.core.config import Settings

from ..conftest import PROJECT_ROOT

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
# `NAME=value`, or `# NAME=value` for a default that cannot be written as a value.
SETTING_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=")


def _lines() -> list[str]:
    return ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()


def test_it_lists_every_setting_and_no_other() -> None:
    listed = {match[1] for line in _lines() if (match := SETTING_LINE.match(line))}
    assert listed == {name.upper() for name in Settings.model_fields}


def test_each_setting_follows_a_line_saying_what_it_means() -> None:
    lines = _lines()
    unexplained = [
        line
        for previous, line in pairwise(lines)
        if SETTING_LINE.match(line)
        and (not previous.startswith("# ") or SETTING_LINE.match(previous))
    ]
    assert unexplained == []


def test_its_values_are_the_defaults() -> None:
    assert Settings(_env_file=ENV_EXAMPLE) == Settings(_env_file=None)
