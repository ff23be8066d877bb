"""Login sessions and their refresh tokens, and API keys.

A session is what one login started (one device or client); its refresh tokens form one
family, each used once and replaced by the next. Ending a session deletes the row and, by
the foreign keys, its whole family; its access tokens name it (`sid`) and die with it.

An API key acts for its owner, within its scopes, until it expires or is deleted; like a
refresh token, it is stored only as its hash.

A second factor is a TOTP secret and its recovery codes.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utc_now
from ..core.models import IdMixin

USER_AGENT_MAX_LENGTH = 255
# The hex SHA-256 of a refresh token or API key: only the hash is stored.
TOKEN_HASH_LENGTH = 64
API_KEY_NAME_MAX_LENGTH = 100
API_KEY_PREFIX_LENGTH = 12
TOTP_SECRET_LENGTH = 32  # base32 characters: 160 bits, as RFC 4226 recommends


class LoginSession(IdMixin, Base):
    __tablename__ = "login_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The login, or the last refresh: idle sessions end REFRESH_TOKEN_IDLE_DAYS after it.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The client as it reported itself (User-Agent) at login; informative, never trusted.
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_LENGTH))
    # The login gave a one-time code as well as the password (MFA_REQUIRED_FOR asks for it).
    second_factor: Mapped[bool] = mapped_column(default=False)


class RefreshToken(IdMixin, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    # Set when the token was exchanged: presenting it again is a replay (RFC 9700 §4.14.2).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(IdMixin, Base):
    __tablename__ = "api_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(API_KEY_NAME_MAX_LENGTH))
    # The start of the key, kept in clear so its owner can tell their keys apart.
    prefix: Mapped[str] = mapped_column(String(API_KEY_PREFIX_LENGTH))
    key_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept to the minute: a key in constant use writes its row once a minute, not per request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TotpCredential(Base):
    """A user's TOTP secret (RFC 6238): pending until confirmed with a first code. The secret
    must be readable to check codes, so, as with every TOTP server, whoever reads this table
    can compute them; the time step of the last code accepted is kept, so none is accepted
    twice."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(TOTP_SECRET_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column()


class RecoveryCode(IdMixin, Base):
    """A single-use code that stands in for a TOTP code; stored only as its hash."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
