"""What a throttle of failed attempts offers; `throttle_memory` or `throttle_redis` keeps the
counts."""

from typing import Protocol


class Throttle(Protocol):
    """Counts recent failures per key (an account and a client, say) over a sliding window."""

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        ...

    async def record_failure(self, key: str) -> None: ...

    async def reset(self, key: str) -> None: ...
