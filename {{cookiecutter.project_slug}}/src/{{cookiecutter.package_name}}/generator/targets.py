"""The resources a `NAME:ref` field may name: the owned resources `new-resource` wrote."""

import re
from pathlib import Path

from ..core.models import OwnedMixin
from ..domains import DOMAINS
from .fields import Target

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")
# The helper of a generated resource's tests that the referring resource's tests call to
# make a row to refer to; owned tables without it (jobs) are written by the app, not a client.
_CREATE_HELPER = "\ndef _create(client: TestClient, headers: dict[str, str], **changes: Any)"


def owned_resources(root: Path) -> dict[str, Target]:
    """By singular, the model's class in snake_case: LineItem -> line_item."""
    targets = {}
    for domain in DOMAINS:
        for model in domain.models:
            if not issubclass(model, OwnedMixin):
                continue
            plural = model.__tablename__
            tests = root / "tests" / plural / f"test_{plural}.py"
            if tests.is_file() and _CREATE_HELPER in tests.read_text(encoding="utf-8"):
                name = _WORD_START.sub("_", model.__name__).lower()
                targets[name] = Target(name=name, plural=plural)
    return targets
