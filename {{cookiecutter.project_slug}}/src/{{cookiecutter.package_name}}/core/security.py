"""Password hashing, and signed JWTs that each serve one purpose."""

import hashlib
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar, TypeVarTuple, Unpack

import jwt
from anyio import CapacityLimiter, to_thread
from passlib.context import CryptContext

JWT_ALGORITHM = "HS256"
# bcrypt only ever read the first 72 bytes; bcrypt 5 raises instead of truncating.
_BCRYPT_MAX_BYTES = 72

# Argon2id at the OWASP Password Storage Cheat Sheet's minimum: 19 MiB, 2 passes, 1 lane. Its
# other configurations are as strong; this one holds the least memory while a login hashes
# (passlib's default holds 64 MiB and runs 4 threads a hash). A hash made with other
# parameters verifies and is renewed at the next successful login.
ARGON2_PARAMETERS = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}

# Argon2 hashes new passwords; bcrypt hashes from older systems still verify and are
# upgraded to Argon2 at the next successful login ("deprecated" schemes need a re-hash).
_password_context = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated="auto",
    argon2__type="ID",
    **{f"argon2__{name}": value for name, value in ARGON2_PARAMETERS.items()},
)

# Hashing is CPU-bound and takes 19 MiB a hash: more hashes at once than cores only costs
# memory, so requests queue for one of these threads instead.
_hashing_threads = CapacityLimiter(os.cpu_count() or 1)

_Result = TypeVar("_Result")
_Args = TypeVarTuple("_Args")


async def in_hashing_thread(function: Callable[[Unpack[_Args]], _Result], *args: *_Args) -> _Result:
    """Run a hashing function off the event loop, at most one per core at a time, so that
    a login never stalls the other requests its worker is serving."""
    return await to_thread.run_sync(function, *args, limiter=_hashing_threads)


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    valid: bool
    new_hash: str | None = None
    """Set when the stored hash uses an outdated scheme or cost and should be replaced."""


def normalise_password(password: str) -> str:
    """One password, however it was typed: NIST SP 800-63B §5.1.1.2 asks for NFKC (or NFKD)
    before hashing, so a composed "é" and "e" + combining accent, or a full-width digit and
    an ASCII one, are the same password; NFKC also maps the non-ASCII spaces to U+0020."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return str(_password_context.hash(normalise_password(password)))


def check_password(password: str, stored_hash: str) -> PasswordCheck:
    normal = normalise_password(password)
    is_bcrypt = _password_context.identify(stored_hash) == "bcrypt"
    # A hash made before passwords were normalised holds the password as it was typed: the
    # typed form still verifies, and is then re-hashed in the normal form.
    for typed in dict.fromkeys((normal, password)):
        # Verify exactly the bytes a legacy bcrypt system hashed; the Argon2 re-hash below
        # then covers the whole password.
        candidate = typed.encode()[:_BCRYPT_MAX_BYTES] if is_bcrypt else typed
        valid, new_hash = _password_context.verify_and_update(candidate, stored_hash)
        if valid:
            outdated = new_hash is not None or typed != normal
            return PasswordCheck(valid=True, new_hash=hash_password(password) if outdated else None)
    return PasswordCheck(valid=False)


@lru_cache
def _dummy_hash() -> str:
    return hash_password("dummy password used to equalise login timing")


def spend_password_check_time(password: str) -> None:
    """Check against a dummy hash so an unknown email costs as much as a wrong password."""
    check_password(password, _dummy_hash())


class TokenPurpose(StrEnum):
    """What a token is for: each is accepted only for the purpose it names, so an access token
    never resets a password, nor a reset token opens the API."""

    ACCESS = "access"
    PASSWORD_RESET = "password-reset"  # noqa: S105  # nosec B105  # a purpose, not a secret
    EMAIL_VERIFICATION = "email-verification"


def create_token(
    purpose: TokenPurpose,
    subject: str,
    *,
    secret_key: str,
    expires_in: timedelta,
    claims: Mapping[str, str] | None = None,
) -> str:
    now = datetime.now(UTC)
    payload = {
        **(claims or {}),
        "sub": subject,
        "purpose": str(purpose),
        "iat": now,
        "exp": now + expires_in,
    }
    return jwt.encode(payload, secret_key, algorithm=JWT_ALGORITHM)


def read_token(purpose: TokenPurpose, token: str, *, secret_key: str) -> dict[str, Any] | None:
    """The token's claims, or None when it is malformed, forged, expired, issued in the
    future, marked with a critical extension (`crit`) or for another purpose; `sub` is then
    a string."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret_key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.InvalidTokenError:
        return None
    if claims.get("purpose") != purpose or not isinstance(claims.get("sub"), str):
        return None
    return claims


def password_fingerprint(hashed_password: str) -> str:
    """Changes whenever the password does; a token that carries it dies with the password."""
    return hashlib.sha256(hashed_password.encode()).hexdigest()[:32]


def hash_random_secret(secret: str) -> str:
    """How refresh tokens and API keys are stored. They are random with 256 bits of entropy,
    which no guessing reaches: a fast hash is right, a password hash would only slow requests."""
    return hashlib.sha256(secret.encode()).hexdigest()
