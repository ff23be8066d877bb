"""A route group's rate limit: so many requests per window of seconds, as a setting reads it
(`600/60`), and the RateLimit-Policy and RateLimit fields that advertise it
(draft-ietf-httpapi-ratelimit-headers-10 §3 and §4, in RFC 9651's Structured Fields)."""

import re
from dataclasses import dataclass

_QUOTA = re.compile(r"([1-9][0-9]{0,9})/([1-9][0-9]{0,7})")


@dataclass(frozen=True, slots=True)
class Quota:
    requests: int
    window_seconds: int

    @classmethod
    def parse(cls, value: str) -> "Quota | None":
        """`<requests>/<seconds>`; `0` is no limit."""
        value = value.strip()
        if value == "0":
            return None
        match = _QUOTA.fullmatch(value)
        if match is None:
            raise ValueError(
                "must be <requests>/<seconds>, both whole numbers above 0 (600/60: 600 "
                "requests a minute), or 0 for no limit"
            )
        return cls(requests=int(match[1]), window_seconds=int(match[2]))

    def policy_field(self, policy: str) -> str:
        """RateLimit-Policy (§3): the policy's name is a String, `q` its quota, `w` its window."""
        return f'"{policy}";q={self.requests};w={self.window_seconds}'

    def limit_field(self, policy: str, *, used: int, reset_seconds: int) -> str:
        """RateLimit (§4): `r` the requests left, `t` the seconds until the window restarts."""
        return f'"{policy}";r={max(0, self.requests - used)};t={reset_seconds}'
