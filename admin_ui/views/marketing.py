"""Marketing: promotions with their state, dates and versions; segments with their size."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from flask import Response, render_template, url_for
from sqlalchemy import and_, func, select

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.tables import Column, Filter, TableSpec
from admin_ui.views.promotion_actions import moves
from server.api.context import db_session, services
from server.auth.roles import Role
from server.messaging.outbox import outbox_counts
from server.models import CouponBatch, PromotionRecord, PromotionVersion, Segment
from server.pricing.simulation import SimulationResult, version_results
from server.pricing.states import State
from server.pricing.versions import current_definition, get_promotion, list_versions
from server.schemas.promotions import RULE_SCHEMAS

MARKETING = Role.MARKETING
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

PROMOTIONS_TABLE = TableSpec(
    name="promotions", caption="Promotions",
    columns=(Column("label", "Label"), Column("kind", "Kind"), Column("state", "State"),
             Column("starts", "Starts", "when"), Column("ends", "Ends", "when"),
             Column("priority", "Priority", "number"), Column("version", "Version", "number"),
             Column("updated_at", "Last change", "when")),
    filters=(Filter("state", "State", "select", tuple((s.value, s.value) for s in State)),
             Filter("kind", "Kind", "select", tuple((k, k.replace("_", " ")) for k in RULE_SCHEMAS)),
             Filter("q", "Label contains")))

SEGMENTS_TABLE = TableSpec(
    name="segments", caption="Segments",
    columns=(Column("name", "Name"), Column("kind", "Kind"), Column("size", "Members", "number"),
             Column("refreshed_at", "Counted", "when"), Column("updated_at", "Last change", "when")),
    filters=(Filter("q", "Name contains"), Filter("kind", "Kind", "select", (("rule", "rule"), ("list", "list")))))


@bp.route("/promotions")
@staff_page(MARKETING)
def promotions():
    filters = PROMOTIONS_TABLE.read_filters()
    values = filters.values
    stmt = (select(PromotionRecord, PromotionVersion.definition)
            .join(PromotionVersion, and_(PromotionVersion.promotion_id == PromotionRecord.id,
                                         PromotionVersion.version == PromotionRecord.current_version))
            .order_by(PromotionRecord.updated_at.desc(), PromotionRecord.id))
    if values["state"]:
        stmt = stmt.where(PromotionRecord.state == values["state"])
    if values["kind"]:
        stmt = stmt.where(PromotionRecord.kind == values["kind"])
    rows = db_session().execute(stmt).all()
    if values["q"]:  # the label lives in the version's JSON: matched here, the same on either database
        rows = [row for row in rows if values["q"].casefold() in row[1]["label"].casefold()]
    table = PROMOTIONS_TABLE.show(rows, _promotion_row, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/promotions.html", table=table)


@bp.route("/promotions/<uuid:promotion_id>")
@staff_page(MARKETING)
def promotion(promotion_id: uuid.UUID):
    session = db_session()
    record = get_promotion(session, promotion_id)
    definition = current_definition(session, record)
    versions = list_versions(session, promotion_id)
    history = [{"version": v.version, "created_at": v.created_at, "created_by": v.created_by,
                "label": v.definition["label"], "changes": changes(before.definition if before else None,
                                                                  v.definition)}
               for before, v in zip([None, *versions[:-1]], versions, strict=True)]
    segment_ids = [uuid.UUID(s) for s in definition["targeting"].get("segments", [])]
    segment_names = dict(session.execute(select(Segment.id, Segment.name).where(Segment.id.in_(segment_ids))).all())
    batches = session.execute(select(CouponBatch.prefix, CouponBatch.count, CouponBatch.created_at)
                              .where(CouponBatch.promotion_id == promotion_id).order_by(CouponBatch.created_at)).all()
    simulations = [SimulationResult.from_dict(run.result) for run in version_results(session, promotion_id)]
    return render_template("admin/promotion.html", record=record, definition=definition, batches=batches,
                           simulations=simulations,
                           moves=moves(record.state, definition, services().clock()),
                           history=list(reversed(history)), window=_window_words(definition["window"]),
                           segments=[segment_names.get(s, str(s)) for s in segment_ids],
                           told=outbox_counts(session, promotion_id) if definition.get("notice") else None,
                           channels=" or ".join(CHANNEL_WORDS[c] for c in (definition.get("notice") or {}).get(
                               "channels", ())),
                           rule_json=json.dumps(definition["rule"], indent=2, sort_keys=True))


CHANNEL_WORDS = {"email": "e-mail", "sms": "text message"}


@bp.route("/segments")
@staff_page(MARKETING)
def segments():
    filters = SEGMENTS_TABLE.read_filters()
    values = filters.values
    stmt = select(Segment).order_by(Segment.name)
    if values["q"]:
        stmt = stmt.where(func.lower(Segment.name).contains(values["q"].lower(), autoescape=True))
    if values["kind"]:
        stmt = stmt.where(Segment.kind == values["kind"])
    table = SEGMENTS_TABLE.show(stmt, lambda s: {
        "name": s.name, "kind": s.kind, "size": s.size, "refreshed_at": s.refreshed_at,
        "updated_at": s.updated_at}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/segments.html", table=table)


def changes(before: dict | None, after: dict) -> list[str]:
    """What a version changed, field by field (``rule.percent``, ``window.end``), in the order stored."""
    if before is None:
        return ["created"]
    found: list[str] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            found += [f"{key}.{inner}" for inner in sorted(set(old) | set(new)) if old.get(inner) != new.get(inner)]
        else:
            found.append(key)
    return found or ["nothing (saved unchanged)"]


def _promotion_row(row) -> dict:
    record, definition = row
    window = definition.get("window") or {}
    return {"label": definition["label"], "label_href": url_for("admin.promotion", promotion_id=record.id),
            "kind": record.kind.replace("_", " "), "state": record.state,
            "starts": _instant(window.get("start")), "ends": _instant(window.get("end")),
            "priority": definition.get("priority", 0), "version": record.current_version,
            "updated_at": record.updated_at}


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _window_words(window: dict) -> list[str]:
    """The window as sentences: when it opens and closes, on which days and hours (store-local)."""
    start, end = _instant(window.get("start")), _instant(window.get("end"))
    words = [f"From {start:%Y-%m-%d %H:%M} UTC" if start else "From publication",
             f"until {end:%Y-%m-%d %H:%M} UTC (first instant no longer live)" if end else "with no end date"]
    if window.get("weekdays"):
        words.append("on " + ", ".join(WEEKDAYS[d] for d in sorted(window["weekdays"])))
    if window.get("hours"):
        words.append("between " + ", ".join(f"{h['start']}-{h['end']}" for h in window["hours"])
                     + " store-local time")
    return words
