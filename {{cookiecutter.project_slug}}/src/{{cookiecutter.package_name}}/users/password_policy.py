"""The password policy of NIST SP 800-63B §5.1.1.2, the one every way of setting a password
goes through (registration, change, reset, the CLI, the admin).

What the standard asks, and nothing it advises against: a minimum length (a setting) and a
generous maximum, counted in Unicode code points of the normalised password; no composition
rules; and refusal of values "known to be commonly-used, expected, or compromised": breached
passwords and dictionary words, repetitive or sequential characters, and context-specific
words, the service's name and the account's email.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..core.config import PROJECT_NAME, Settings
from ..core.security import normalise_password
from .exceptions import PasswordRefusedError

# §5.1.1.2: at least 64 SHOULD be allowed. Argon2 hashes any length (legacy bcrypt hashes,
# which see 72 bytes, are handled by core.security); the cap only bounds hashing work.
PASSWORD_MAX_LENGTH = 128

# A run of this many characters, each one step from the last in the same direction (or the
# same character again), counts as sequential or repetitive: "abc", "321", "zzz".
_RUN_LENGTH = 3
# Characters around a word that do not make it another password: "password1!" is "password".
_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_REPETITION = re.compile(r"(.+?)\1+", re.DOTALL)
_WORD_SEPARATORS = re.compile(r"[\W_]+")
_WORD_MIN_LENGTH = 3  # shorter pieces of a name ("a", "io") are no context of their own


@dataclass(frozen=True, slots=True)
class PasswordProblem:
    """Which rule a password breaks, in a validation error's terms; never quotes it."""

    type: str
    message: str
    limits: dict[str, int] | None = None


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    """zxcvbn's lists, shipped in its package and read offline: the 30,000 most common
    passwords of breach corpora, and the 30,000 most frequent English (Wikipedia) words."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 800 kB: read at first use

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(FREQUENCY_LISTS["english_wikipedia"])


def _is_common(folded: str) -> bool:
    blocklist = _blocklist()
    return folded in blocklist or _AFFIXES.sub("", folded) in blocklist


def _in_runs(password: str) -> bool:
    """Whether the password is nothing but runs like "aaa", "abcd" or "4321"."""
    start = 0
    while start < len(password):
        end = start + 1
        if end < len(password):
            step = ord(password[end]) - ord(password[start])
            while (
                step in (-1, 0, 1)
                and end < len(password)
                and ord(password[end]) - ord(password[end - 1]) == step
            ):
                end += 1
        if end - start < _RUN_LENGTH:
            return False
        start = end
    return True


def _context_words(text: str) -> list[str]:
    """`text` and its derivatives (its words of three characters or more), longest first."""
    folded = text.casefold()
    pieces = (piece for piece in _WORD_SEPARATORS.split(folded) if len(piece) >= _WORD_MIN_LENGTH)
    return sorted({folded, *pieces}, key=len, reverse=True)


def _made_of(folded: str, words: Iterable[str]) -> bool:
    """Whether `folded` has some of `words` and, besides them, only digits, spaces and
    punctuation (so "Acme Notes 2026!" is made of "Acme Notes", "my notes are long" is not)."""
    rest = folded
    for word in words:
        rest = rest.replace(word, " ")
    return rest != folded and not any(character.isalpha() for character in rest)


def password_problem(password: str, *, email: str, min_length: int) -> PasswordProblem | None:
    """The first rule `password`, for the account with `email`, breaks; None if it is fine."""
    normal = normalise_password(password)
    folded = normal.casefold()
    email_words = [*_context_words(email), *_context_words(email.partition("@")[0])]
    if len(normal) < min_length:
        return PasswordProblem(
            "password_too_short",
            f"Password should have at least {min_length} characters",
            {"min_length": min_length},
        )
    if len(normal) > PASSWORD_MAX_LENGTH:
        return PasswordProblem(
            "password_too_long",
            f"Password should have at most {PASSWORD_MAX_LENGTH} characters",
            {"max_length": PASSWORD_MAX_LENGTH},
        )
    if _made_of(folded, email_words):
        return PasswordProblem("password_email", "Password is made of the account's email address")
    if _made_of(folded, _context_words(PROJECT_NAME)):
        return PasswordProblem("password_service_name", "Password is made of the service's name")
    if _REPETITION.fullmatch(folded):
        return PasswordProblem("password_repetitive", "Password is one thing repeated")
    if _in_runs(folded):
        return PasswordProblem(
            "password_sequential", "Password is a sequence of characters, like abcd or 4321"
        )
    if _is_common(folded):
        return PasswordProblem(
            "password_common",
            "Password is a commonly used or breached one, or a dictionary word",
        )
    return None


def require_acceptable_password(
    password: str, *, email: str, settings: Settings, field: str = "password"
) -> None:
    """Raise PasswordRefusedError, naming the request's `field`, if the policy refuses it."""
    problem = password_problem(password, email=email, min_length=settings.password_min_length)
    if problem is not None:
        raise PasswordRefusedError(
            field=field, error_type=problem.type, message=problem.message, limits=problem.limits
        )
