"""Staff roles. ``admin`` may do everything any other role may."""

from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    MARKETING = "marketing"
    MEMBER_SERVICE = "member_service"
    HQ = "hq"
    ADMIN = "admin"


def role_allows(role: str, allowed: set[Role]) -> bool:
    return role == Role.ADMIN or role in allowed
