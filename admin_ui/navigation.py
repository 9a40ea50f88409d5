"""The menu: each entry is shown to the roles its page lets in (the page's own check decides)."""

from __future__ import annotations

from admin_ui.access import may_open

# (section, label, endpoint)
MENU = (
    ("Programme", "Loyalty programme", "admin.programme"),
    ("Programme", "Tax classes", "admin.tax_classes"),
    ("Member service", "Find a member", "admin.member_search"),
    ("Member service", "Approvals", "admin.approvals"),
    ("Marketing", "Promotions", "admin.promotions"),
    ("Marketing", "Rewards", "admin.rewards"),
    ("Marketing", "Segments", "admin.segments"),
    ("Marketing", 'Bundles and "for you"', "admin.insights"),
    ("HQ", "Dashboard", "admin.dashboard"),
    ("HQ", "Reconciliation", "admin.reconciliation"),
    ("HQ", "Sync health", "admin.sync_health"),
    ("HQ", "Till events", "admin.till_events"),
    ("Operators", "Stores and tills", "admin.stores"),
    ("Operators", "Staff users", "admin.staff_users"),
    ("Operators", "Partners", "admin.partners"),
    ("Operators", "Audit log", "admin.audit_log"),
)


def navigation() -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections and entries the signed-in user may open, in menu order."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, label, endpoint in MENU:
        if may_open(endpoint):
            sections.setdefault(section, []).append((label, endpoint))
    return list(sections.items())
