"""Login sessions and their refresh tokens.

A session is what one login started (one device or client); its refresh tokens form one
family, each used once and replaced by the next. Ending a session deletes the row and, by
the foreign keys, its whole family; its access tokens name it (`sid`) and die with it.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utc_now
from ..core.models import IdMixin

USER_AGENT_MAX_LENGTH = 255
# The hex SHA-256 of a refresh token: only the hash is stored.
TOKEN_HASH_LENGTH = 64


class LoginSession(IdMixin, Base):
    __tablename__ = "login_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The login, or the last refresh: idle sessions end REFRESH_TOKEN_IDLE_DAYS after it.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The client as it reported itself (User-Agent) at login; informative, never trusted.
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_LENGTH))


class RefreshToken(IdMixin, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    # Set when the token was exchanged: presenting it again is a replay (RFC 9700 §4.14.2).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
