"""What a role allows, and what a user may do: the union of what their roles allow. Computed
on each request from the roles read with the caller, so a role granted or taken away applies
from the next one."""

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from ..core.domain import Permission
from ..users.models import ADMIN, MEMBER
from .principal import Principal


class NamedRole(Protocol):
    """A role as stored (`Role`) or as held by a caller (`HeldRole`)."""

    @property
    def name(self) -> str: ...

    @property
    def permissions(self) -> Sequence[str]: ...


def role_permissions(role: NamedRole, known: Mapping[str, Permission]) -> frozenset[str]:
    """Of the `known` permissions (the domains'), those `role` allows: all of them for admin,
    the members' for member, and those a role made at run time lists (a name no domain
    declares any more, as after a resource was removed, allows nothing)."""
    if role.name == ADMIN:
        return frozenset(known)
    if role.name == MEMBER:
        return frozenset(name for name, permission in known.items() if permission.member)
    return frozenset(role.permissions) & known.keys()


def permissions_of(user: Principal, known: Mapping[str, Permission]) -> frozenset[str]:
    return frozenset().union(*(role_permissions(role, known) for role in user.roles))


def permissions_now(
    user: Principal,
    known: Mapping[str, Permission],
    *,
    second_factor: bool,
    mfa_required_for: Collection[str],
) -> frozenset[str]:
    """What `user` may do in a login with or without a second factor: holding a permission
    of `mfa_required_for` without one leaves only the members' permissions."""
    held = permissions_of(user, known)
    if second_factor or held.isdisjoint(mfa_required_for):
        return held
    return frozenset(name for name in held if known[name].member)
