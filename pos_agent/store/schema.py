"""The local tables. Created on open; a new terminal starts from an empty file."""

# Secondary indexes of the cache that a bootstrap drops while it loads every entity (built once
# at its end, cheaper than kept up item by item); opening the file creates any that are missing,
# so a bootstrap cut short leaves a cache that still has them when the till next starts.
LOOKUP_INDEXES = {
    "cards_by_member": "CREATE INDEX IF NOT EXISTS cards_by_member ON cards (member_id)",
    "cards_by_chip": ("CREATE INDEX IF NOT EXISTS cards_by_chip ON entities "
                      "(upper(json_extract(payload, '$.chip_uid'))) WHERE entity_type = 'card'"),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    payload     TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);
CREATE TABLE IF NOT EXISTS barcodes (
    code TEXT PRIMARY KEY,
    sku  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS barcodes_by_sku ON barcodes (sku);
CREATE TABLE IF NOT EXISTS cards (
    number    TEXT PRIMARY KEY,
    member_id TEXT NOT NULL,
    state     TEXT NOT NULL
);
""" + "".join(f"{ddl};\n" for ddl in LOOKUP_INDEXES.values()) + """
CREATE TABLE IF NOT EXISTS sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX IF NOT EXISTS journal_by_status ON journal (status, seq);
CREATE TABLE IF NOT EXISTS sales (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    offline     INTEGER NOT NULL,
    card_number TEXT,
    original_id TEXT,
    total_minor INTEGER NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sales_by_original ON sales (original_id);
CREATE TABLE IF NOT EXISTS redemptions (
    transaction_id TEXT PRIMARY KEY,
    member_key     TEXT NOT NULL,
    points         INTEGER NOT NULL,
    at             TEXT NOT NULL,
    offline        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS redemptions_by_member ON redemptions (member_key, at);
CREATE TABLE IF NOT EXISTS promotion_uses (
    transaction_id TEXT NOT NULL,
    promotion_id   TEXT NOT NULL,
    member_key     TEXT NOT NULL,
    at             TEXT NOT NULL,
    PRIMARY KEY (transaction_id, promotion_id)
);
CREATE INDEX IF NOT EXISTS promotion_uses_by_member ON promotion_uses (member_key, at);
CREATE TABLE IF NOT EXISTS cap_uses (  -- sales that got a chain-capped promotion (promotions.chain_caps)
    transaction_id TEXT NOT NULL,
    promotion_id   TEXT NOT NULL,
    at             TEXT NOT NULL,
    offline        INTEGER NOT NULL,
    PRIMARY KEY (transaction_id, promotion_id)
);
CREATE TABLE IF NOT EXISTS receipts (
    id         TEXT PRIMARY KEY,
    sale_id    TEXT NOT NULL,
    text       TEXT NOT NULL,
    printed    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS baskets (
    id         TEXT PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state = 'open'),  -- completed and cancelled baskets are deleted
    opened_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shifts (
    id           TEXT PRIMARY KEY,
    cashier_id   TEXT,              -- NULL at a till where nobody signs in
    cashier_name TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    float_minor  INTEGER NOT NULL,
    no_sales     INTEGER NOT NULL DEFAULT 0,
    closed_at    TEXT,
    counted_minor INTEGER
);
CREATE INDEX IF NOT EXISTS shifts_open ON shifts (cashier_id) WHERE closed_at IS NULL;
"""
