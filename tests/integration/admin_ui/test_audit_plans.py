"""The audit log filtered by who acted or by what was acted on is read through an index on
PostgreSQL (migration perf16_0001_audit_filters), not by walking the whole log newest first."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from server.models import AuditRecord
from tests.integration.admin_ui.backoffice import sign_in

pytestmark = pytest.mark.postgres


def _selects(services, call) -> list[tuple[str, object]]:
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "audit_log" in statement:
            statements.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    return statements


def _plan_nodes(services, statement: str, parameters) -> list[dict]:
    """Every node of the statement's plan, planned as if the log were large (no sequential scan)."""
    with services.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        conn.rollback()
    nodes, todo = [], [(json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", ()))
    return nodes


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_audit_page_filtered_by_actor_or_target_reads_an_index_range(services, client, chain):
    now = services.clock()
    with services.db.session() as session:
        session.add_all(AuditRecord(at=now - timedelta(minutes=n), actor_type="staff", actor=f"user-{n % 40}",
                                    action="points.adjusted", target=str(uuid.UUID(int=n % 500)), details={})
                        for n in range(3000))
        session.commit()
    with services.db.engine.begin() as conn:
        conn.execute(text("ANALYZE audit_log"))
    sign_in(client, "admin")
    for query, column in (("actor=user-7", "actor"), (f"target={uuid.UUID(int=42)}", "target")):
        def call(query=query):
            page = client.get(f"/admin/audit?{query}")
            assert page.status_code == 200 and "points.adjusted" in page.get_data(as_text=True)

        statements = _selects(services, call)
        assert statements, query
        for statement, parameters in statements:
            nodes = _plan_nodes(services, statement, parameters)
            reads = [node["Node Type"] for node in nodes if node.get("Relation Name") == "audit_log"]
            ranges = [node for node in nodes if node.get("Index Name") == f"ix_audit_log_{column}_at"
                      and column in node.get("Index Cond", "")]
            assert reads and "Seq Scan" not in reads and ranges, (query, statement, reads)
