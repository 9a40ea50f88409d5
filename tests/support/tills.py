"""A till for tests: signs requests with its terminal credential, like the POS agent does."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from store_sync.signing import TerminalCredential, sign_request


@dataclass
class Till:
    client: object
    credential: TerminalCredential
    store: str
    terminal: str
    clock: object

    def request(self, method: str, path: str, body: dict | None = None):
        raw = json.dumps(body).encode() if body is not None else b""
        headers = sign_request(self.credential, method, path, raw, int(self.clock().timestamp()))
        return self.client.open(path, method=method, data=raw or None, headers=headers,
                                content_type="application/json" if body is not None else None)

    def sale(self, lines: list[dict], *, card: str | None = None, tenders: list[dict] | None = None,
             at: datetime | None = None, offline: bool = False, sale_id: str | None = None, **extra):
        total = sum(line["paid_minor"] for line in lines)
        body = {"id": sale_id or str(uuid.uuid4()), "kind": "sale", "store": self.store,
                "terminal": self.terminal, "at": (at or self.clock()).isoformat(), "offline": offline,
                "card_number": card, "lines": lines,
                "tenders": tenders if tenders is not None else [{"kind": "cash", "amount_minor": total}],
                **extra}
        return self.request("POST", "/api/v1/transactions", body)

    def undo(self, kind: str, original_id: str, lines: list[dict] | None = None, *,
             return_id: str | None = None):
        body = {"id": return_id or str(uuid.uuid4()), "kind": kind, "store": self.store,
                "terminal": self.terminal, "at": self.clock().isoformat(), "original_id": original_id,
                "lines": lines or []}
        return self.request("POST", "/api/v1/transactions", body)


def line(line_id: str, paid_minor: int, qty: int = 1, category: str = "", **extra) -> dict:
    return {"line_id": line_id, "sku": f"SKU-{line_id}", "qty": qty, "paid_minor": paid_minor,
            "category": category, **extra}
