"""Who is calling: the tokens that act for a user, the login sessions they belong to, API keys,
the OAuth2 scheme that carries them, and the current caller as a dependency. Above `users`,
below every domain with routes."""

from ..core.domain import Domain, Schedule, every_purge
from .models import ApiKey, LoginSession, RecoveryCode, RefreshToken, TotpCredential
from .sessions import purge_lapsed_sessions

domain = Domain(
    name="identity",
    models=(LoginSession, RefreshToken, ApiKey, TotpCredential, RecoveryCode),
    schedules=(
        Schedule("identity.purge-lapsed-sessions", purge_lapsed_sessions, every=every_purge),
    ),
)
