"""Content-Security-Policy (CSP Level 3): an HTML page may load from this origin only and run
only the inline scripts and styles it names by hash; any other answer may load nothing."""

import base64
import hashlib
import re
from collections.abc import Iterable

# An inline element is one written without attributes: `<script src=...>` loads a file.
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)

# For JSON and files: nothing to load or run, and no framing (OWASP REST Security).
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _hashes(sources: Iterable[str]) -> str:
    return "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()}'"
        for source in sources
    )


def page_policy(
    *,
    scripts: Iterable[str] = (),
    styles: Iterable[str] = (),
    any_style: bool = False,
    blob_workers: bool = False,
) -> str:
    """The policy of a page whose inline scripts and styles have these sources; with
    `any_style`, of a page that writes styles of its own making (scripts stay named), and
    with `blob_workers`, one whose scripts start web workers from code they hold."""
    # With a hash beside it, browsers ignore 'unsafe-inline'.
    inline_styles = " 'unsafe-inline'" if any_style else _hashes(styles)
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self'{_hashes(scripts)}",
            f"style-src 'self'{inline_styles}",
            "img-src 'self' data:",
            f"worker-src 'self'{' blob:' if blob_workers else ''}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _inline_sources(html: str, element: str) -> list[str]:
    """The sources of the inline `<script>`s or `<style>`s (`element`) of `html`."""
    return [source for name, source in _INLINE.findall(html) if name == element]


def policy_of(html: str, *, any_style: bool = False, blob_workers: bool = False) -> str:
    """The policy of a page the app builds from its own configuration (never from what a
    request sent, or an injected script would be named too): its inline parts allowed."""
    return page_policy(
        scripts=_inline_sources(html, "script"),
        styles=_inline_sources(html, "style"),
        any_style=any_style,
        blob_workers=blob_workers,
    )


PAGE_POLICY = page_policy()  # for HTML that has no inline script or style
