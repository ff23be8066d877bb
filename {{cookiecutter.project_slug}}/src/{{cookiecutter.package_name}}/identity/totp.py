"""A second factor: TOTP (RFC 6238) with pyotp, and single-use recovery codes.

Enrolment stores a pending secret; the first right code confirms it and yields the recovery
codes, shown once and stored as hashes. A code is accepted within one 30-second step of the
server's clock either way, and never twice: each accepted code's step must be later than the
last one's (RFC 6238 §5.2), which one conditional UPDATE decides, whatever runs at once.
"""

import secrets
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.db import utc_now
from ..core.security import hash_random_secret
from .models import RecoveryCode, TotpCredential
from .principal import Principal

RECOVERY_CODES = 10
# 16 characters of base32 in four groups: 80 bits, beyond any guessing of the stored hashes.
_RECOVERY_GROUPS = 4
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
# Codes of the step before and after the server's are accepted too: clocks drift.
_VALID_WINDOW = 1

_CREDENTIAL = select(TotpCredential).where(TotpCredential.user_id == bindparam("user_id"))
_ACCEPT_STEP = (
    update(TotpCredential)
    .where(
        # Not named user_id: an UPDATE keeps its columns' names for their new values.
        TotpCredential.user_id == bindparam("credential_of"),
        or_(
            TotpCredential.last_used_step.is_(None),
            TotpCredential.last_used_step < bindparam("step"),
        ),
    )
    .values(last_used_step=bindparam("step"))
    .returning(TotpCredential.user_id)
    .execution_options(synchronize_session=False)
)
_SPEND_RECOVERY_CODE = (
    delete(RecoveryCode)
    .where(
        RecoveryCode.user_id == bindparam("user_id"),
        RecoveryCode.code_hash == bindparam("code_hash"),
    )
    .returning(RecoveryCode.id)
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_image: str
    """A PNG of the URI as a `data:` URI, for an <img> the user scans with their app."""


async def credential_of(session: AsyncSession, *, user_id: int) -> TotpCredential | None:
    return await session.scalar(_CREDENTIAL, {"user_id": user_id})


async def has_second_factor(session: AsyncSession, *, user_id: int) -> bool:
    credential = await credential_of(session, user_id=user_id)
    return credential is not None and credential.confirmed_at is not None


async def start_enrolment(session: AsyncSession, *, user: Principal, issuer: str) -> Enrolment:
    """A new pending secret for `user` (replacing one not yet confirmed)."""
    secret = pyotp.random_base32()
    credential = await credential_of(session, user_id=user.id)
    if credential is None:
        session.add(TotpCredential(user_id=user.id, secret=secret))
    else:
        credential.secret, credential.created_at = secret, utc_now()
        credential.last_used_step = None
    await session.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    qr_image = segno.make(uri, error="m").png_data_uri(scale=4)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_image=qr_image)


def _matching_step(secret: str, code: str) -> int | None:
    if not (len(code) == 6 and code.isdigit()):
        return None
    try:
        step: int = pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=_VALID_WINDOW)
    except pyotp.OTPVerificationError:
        return None
    return step


async def accept_code(session: AsyncSession, *, credential: TotpCredential, code: str) -> bool:
    """Whether `code` is right now and later than every code accepted before; accepting it
    is committed at once, so it cannot be used again."""
    step = _matching_step(credential.secret, code)
    if step is None:
        return False
    accepted = await session.scalar(
        _ACCEPT_STEP, {"credential_of": credential.user_id, "step": step}
    )
    await session.commit()
    return accepted is not None


def _recovery_code() -> str:
    groups = (
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4))
        for _ in range(_RECOVERY_GROUPS)
    )
    return "-".join(groups)


def _normal_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "")


async def confirm(session: AsyncSession, *, credential: TotpCredential, code: str) -> list[str]:
    """Turn the second factor on with a first right code: the recovery codes, shown once;
    an empty list when the code is wrong."""
    if not await accept_code(session, credential=credential, code=code):
        return []
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == credential.user_id))
    session.add_all(
        RecoveryCode(user_id=credential.user_id, code_hash=hash_random_secret(recovery))
        for recovery in codes
    )
    credential.confirmed_at = utc_now()
    user_id = credential.user_id
    record(session, "totp.enabled", actor_id=user_id, target=("users", user_id))
    await session.commit()
    return codes


async def accept_code_or_recovery_code(session: AsyncSession, *, user_id: int, code: str) -> bool:
    """A login's or a disabling's second factor: a current TOTP code, or one of the recovery
    codes, which is then spent."""
    credential = await credential_of(session, user_id=user_id)
    if credential is None or credential.confirmed_at is None:
        return False
    if await accept_code(session, credential=credential, code=code):
        return True
    code_hash = hash_random_secret(_normal_recovery_code(code))
    spent = await session.scalar(_SPEND_RECOVERY_CODE, {"user_id": user_id, "code_hash": code_hash})
    await session.commit()
    return spent is not None


async def disable(session: AsyncSession, *, user_id: int) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    record(session, "totp.disabled", actor_id=user_id, target=("users", user_id))
    await session.commit()
