"""A store's receipt details (address, tax number, header and footer lines) through the API: validated,
audited, admin only, and published to its tills with the store."""

from sqlalchemy import select

from server.models import AuditRecord, ChangeRecord
from tests.support.factories import login, make_staff

DETAILS = {"address_lines": ["1 High Street", "1000 Town"], "tax_number": "DE123456789",
           "header_lines": ["Open 7-22 every day"], "footer_lines": ["Returns within 30 days"]}


def _admin(client, services):
    make_staff(services, "ada-admin", "admin")
    return login(client, "ada-admin")


def _published(services, code: str) -> dict:
    with services.db.session() as session:
        return session.scalars(select(ChangeRecord.payload).where(ChangeRecord.entity_type == "store",
                                                                  ChangeRecord.entity_id == code)
                               .order_by(ChangeRecord.order_key.desc())).first()


def test_a_store_is_created_with_receipt_details_and_its_tills_get_them(client, services):
    admin = _admin(client, services)
    created = client.post("/api/v1/stores", headers=admin,
                          json={"code": "R1", "name": "Corner Shop", "timezone": "Europe/Berlin", "receipt": DETAILS})
    assert created.status_code == 201, created.json
    assert created.json["receipt"] == DETAILS
    assert _published(services, "R1")["receipt"] == DETAILS
    plain = client.post("/api/v1/stores", headers=admin, json={"code": "R2", "name": "Plain", "timezone": "UTC"})
    assert plain.json["receipt"] == {} and _published(services, "R2")["receipt"] == {}


def test_receipt_details_change_through_the_api_validated_audited_and_for_admins_only(client, services, marketer):
    admin = _admin(client, services)
    assert client.post("/api/v1/stores", headers=admin,
                       json={"code": "R3", "name": "Shop", "timezone": "UTC"}).status_code == 201
    assert client.patch("/api/v1/stores/R3", headers=marketer, json={"receipt": DETAILS}).status_code == 403
    too_long = {**DETAILS, "footer_lines": ["x" * 49]}
    assert client.patch("/api/v1/stores/R3", headers=admin, json={"receipt": too_long}).status_code == 400
    five = {**DETAILS, "address_lines": ["a"] * 5}
    assert client.patch("/api/v1/stores/R3", headers=admin, json={"receipt": five}).status_code == 400
    assert client.patch("/api/v1/stores/R3", headers=admin, json={"receipt": {"logo": "x"}}).status_code == 400
    assert _published(services, "R3")["receipt"] == {}  # the refused changes changed nothing
    for _ in range(2):  # the second sets what is already set: no change, no audit
        changed = client.patch("/api/v1/stores/R3", headers=admin, json={"receipt": DETAILS, "reason": "new shop sign"})
        assert changed.status_code == 200 and changed.json["receipt"] == DETAILS
        assert changed.json["prices_include_tax"] is True  # untouched
    assert _published(services, "R3")["receipt"] == DETAILS
    with services.db.session() as session:
        audits = session.execute(select(AuditRecord.reason, AuditRecord.details)
                                 .where(AuditRecord.action == "store.receipt_changed")).all()
    assert len(audits) == 1 and audits[0].reason == "new shop sign"
    assert audits[0].details["receipt"]["to"] == DETAILS
