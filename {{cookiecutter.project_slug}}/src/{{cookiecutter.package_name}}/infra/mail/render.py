"""Mails from the Jinja2 templates in `templates/`: a plain-text and an HTML body each."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ...core.config import PROJECT_NAME


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


@lru_cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader(__package__ or __name__, "templates"),
        # Values in the HTML body are escaped: an account's name cannot inject markup.
        autoescape=select_autoescape(enabled_extensions=("html.jinja",)),
        undefined=StrictUndefined,  # a misspelt variable fails loudly, not as an empty string
        keep_trailing_newline=True,
    )


def render_mail(template: str, *, to: str, subject: str, **context: Any) -> Mail:
    """`template`.txt.jinja and `template`.html.jinja, rendered with `context`."""
    environment = _environment()
    context = {"project_name": PROJECT_NAME, "subject": subject, **context}
    return Mail(
        to=to,
        subject=subject,
        text=environment.get_template(f"{template}.txt.jinja").render(context),
        html=environment.get_template(f"{template}.html.jinja").render(context),
    )
