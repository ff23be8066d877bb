"""Per-client rate limits: what a counter offers (`rate_counter_memory` or
`rate_counter_redis` keeps the counts), and a route group's limit, charged once per request
and advertised in the RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-
headers-10)."""

from dataclasses import dataclass
from typing import NamedTuple, Protocol

from fastapi import Request, Response, status

from ..core.config import Settings
from ..core.exceptions import DomainError
from ..core.quota import Quota
from ..core.responses import keep_headers_on_every_answer

POLICY_FIELD = "RateLimit-Policy"
LIMIT_FIELD = "RateLimit"


class Count(NamedTuple):
    """Requests counted in the partition's current window (this one included), and the
    seconds until that window ends."""

    used: int
    reset_seconds: int


class RateCounter(Protocol):
    async def count(self, key: str, *, window_seconds: int) -> Count:
        """Count one more request for `key` in its fixed window of `window_seconds`."""
        ...


class RateLimitExceededError(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    detail = "Too many requests; try again later (see Retry-After)"

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__()
        self.headers = headers


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A route group's quota policy (`policy` names it in the fields), counted per partition:
    a user, an API key or a client address. Without a quota nothing is counted."""

    policy: str
    quota: Quota | None
    counter: RateCounter

    async def charge(self, partition: str, request: Request, response: Response) -> None:
        """Count this request for `partition`; past the quota a 429 with Retry-After. The
        answer, an error too, carries the fields."""
        # Once per request, though a route whose dependencies need the caller under different
        # scopes resolves it (and comes here) once for each.
        if self.quota is None or LIMIT_FIELD in response.headers:
            return
        used, reset_seconds = await self.counter.count(
            f"{self.policy}:{partition}", window_seconds=self.quota.window_seconds
        )
        fields = {
            POLICY_FIELD: self.quota.policy_field(self.policy),
            LIMIT_FIELD: self.quota.limit_field(
                self.policy, used=used, reset_seconds=reset_seconds
            ),
        }
        if used > self.quota.requests:
            # §6: Retry-After no earlier than the reset parameter.
            raise RateLimitExceededError({**fields, "Retry-After": str(reset_seconds)})
        response.headers.update(fields)
        keep_headers_on_every_answer(request, fields)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The API's route groups: `api` (the routes that need a bearer token, per user or API
    key) and `auth` (the anonymous auth endpoints, per client address)."""

    api: RateLimit
    auth: RateLimit

    @classmethod
    def from_settings(cls, settings: Settings, counter: RateCounter) -> "RateLimits":
        return cls(
            api=RateLimit("api", settings.rate_limit_api, counter),
            auth=RateLimit("auth", settings.rate_limit_auth, counter),
        )
