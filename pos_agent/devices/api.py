"""/local/v1 device endpoints: device health, reprints of kept receipts, simulated cards and scans."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, current_app

from devices.printer import PrintResult
from pos_agent.devices.exceptions import NoPrinter, NotSimulated
from pos_agent.web.payload import json_body

blp = Blueprint("local_devices", __name__, url_prefix="/local/v1")


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ScanSchema(_Strict):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=48))


class CardClaimSchema(_Strict):
    seconds = ma.fields.Integer(load_default=10, strict=True, validate=ma.validate.Range(min=1, max=120))


class CardSchema(_Strict):
    card_number = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{6,20}$"))
    uid = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^([0-9A-Fa-f]{2}){4,10}$"))

    @ma.validates_schema
    def _one_identifier(self, data, **kwargs) -> None:
        if not data["card_number"] and not data["uid"]:
            raise ma.ValidationError("give card_number, uid or both", "_schema")


def _manager():
    manager = current_app.extensions["onecard_agent"].devices
    if manager is None:
        raise NoPrinter()
    return manager


def _simulation():
    manager = current_app.extensions["onecard_agent"].devices
    if manager is None or manager.simulation is None:
        raise NotSimulated()
    return manager.simulation


def _result(result: PrintResult) -> dict:
    return {"receipt_id": result.receipt_id, "outcome": result.outcome.value, "ok": result.ok,
            "detail": result.detail, "kept": result.spooled}


@blp.get("/devices")
def devices():
    """Device health, notices and receipts waiting for a reprint."""
    manager = current_app.extensions["onecard_agent"].devices
    return {"configured": False} if manager is None else {"configured": True, **manager.snapshot()}


@blp.post("/devices/card-claim")
def claim_cards():
    """While the enrolment form is open, cards scanned or read go to it (for ``seconds``, renewed).

    Answers the last card taken meanwhile; a till without devices takes none.
    """
    seconds = CardClaimSchema().load(json_body())["seconds"]
    manager = current_app.extensions["onecard_agent"].devices
    return {"devices": manager is not None, "card": manager.claim_cards(seconds) if manager else None}


@blp.delete("/devices/card-claim")
def release_cards():
    manager = current_app.extensions["onecard_agent"].devices
    if manager is not None:
        manager.claim_cards(None)
    return {"devices": manager is not None, "card": None}


@blp.post("/receipts/<receipt_id>/reprint")
def reprint(receipt_id):
    return _result(_manager().desk.reprint(receipt_id))


@blp.post("/receipts/reprint")
def reprint_all():
    desk = _manager().desk
    results = desk.reprint_pending()
    return {"results": [_result(r) for r in results], "kept": desk.kept()}


@blp.post("/devices/simulate/scan")
def simulate_scan():
    code = ScanSchema().load(json_body())["code"]
    return {"code": code, "via": _simulation().scan(code)}, 202


@blp.post("/devices/simulate/card")
def simulate_card():
    data = CardSchema().load(json_body())
    return {"via": _simulation().insert_card(data["card_number"], data["uid"])}, 202


@blp.post("/devices/simulate/card/remove")
def simulate_card_removal():
    _simulation().remove_card()
    return {"removed": True}, 202
