"""What a throttle offers (`throttle_memory` or `throttle_redis` keeps the counts), and the
caps on account mails built from two of them."""

from dataclasses import dataclass
from typing import Protocol


class Throttle(Protocol):
    """Counts recent failures per key (an account and a client, say) over a sliding window."""

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        ...

    async def record_failure(self, key: str) -> None: ...

    async def reset(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class MailLimits:
    """Caps on the account mails (password reset, verification) that requests can have sent:
    per address, so that nobody's inbox is flooded, and per client, so that nobody has mails
    sent to many addresses. Every request counts, whether or not an account has the address."""

    per_address: Throttle
    per_client: Throttle

    async def admit(self, *, address: str, client: str) -> bool:
        """Count one more mail for `address`, asked for by `client`; False past either cap."""
        address = address.lower()
        if await self.per_client.retry_after(client) or await self.per_address.retry_after(address):
            return False
        await self.per_client.record_failure(client)
        await self.per_address.record_failure(address)
        return True
