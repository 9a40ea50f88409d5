"""Staff roles. ``admin`` may do everything any other role may."""

from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"  # a store manager: approves voids and large refunds at the till with a PIN
    MARKETING = "marketing"
    MEMBER_SERVICE = "member_service"
    HQ = "hq"
    ADMIN = "admin"


def role_allows(role: str, allowed: set[Role]) -> bool:
    return role == Role.ADMIN or role in allowed
