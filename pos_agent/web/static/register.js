// The register page: a thin client of the agent's /local/v1 API. Every figure comes from the agent.
"use strict";

const api = "/local/v1";
// The till key comes with the page (same origin); the agent refuses changes without it.
const tillKey = document.querySelector('meta[name="onecard-till-key"]').content;
let basket = null;
let selectedLine = null;  // line_id of the line the correction keys act on
let pendingQty = null;  // the quantity key: "3x" typed, the next scan adds 3
let exponent = 2;  // the chain currency's minor unit digits, from the status (JPY 0, BHD 3)
let currency = "";  // the chain's ISO 4217 code, from the status
let lastInput = Date.now();  // the last key, tap or device scan at this lane (idle auto-lock)
let lockReason = "";  // why the till locked by itself, said on the lock screen
let linkMode = "offline";  // the till's link to the server, from the status: online, offline, revoked

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
const RECEIPT_CODE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const QTY_KEY = /^(\d{1,3})\s*[x×*]\s*(\S*)$/i;

// Money is integer minor units; shown and typed as exact decimals, never through floats.
function money(minor) {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (exponent === 0) return sign + abs;
  const unit = 10 ** exponent;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exponent, "0")}`;
}

// A tax rate in basis points (not money) as a percentage, exactly, in integer arithmetic
// (2000 -> "20", 550 -> "5.5", 5 -> "0.05"): basis points always have two decimals of a percent.
function percentFromBasisPoints(bp) {
  const fraction = String(bp % 100).padStart(2, "0").replace(/0+$/, "");
  return `${Math.floor(bp / 100)}${fraction ? "." + fraction : ""}%`;
}

// Digit by digit, as the agent reads it (loyalty/currency.py): at most 9 whole digits, so exact in a JS number.
function toMinor(text) {
  const typed = text.trim();
  const match = typed.match(/^(\d+)(?:[.,](\d*))?$/);
  if (!match) throw new Error(`Type the amount in figures, e.g. ${money(25 * 10 ** Math.max(exponent - 1, 0))}.`);
  const part = match[2] || "";
  if (part.length > exponent) {
    throw new Error(exponent ? `${currency} amounts have at most ${exponent} decimal${exponent === 1 ? "" : "s"}: ${typed} has ${part.length}.`
      : `${currency} amounts have no decimals: type ${match[1]}.`);
  }
  if (match[1].replace(/^0+/, "").length > 9) throw new Error("That amount is too large.");
  return parseInt(match[1], 10) * 10 ** exponent + parseInt(part.padEnd(exponent, "0") || "0", 10);
}

function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", {style: "currency", currency}).resolvedOptions().maximumFractionDigits;
  } catch (err) {
    return 2;
  }
}

class ApiError extends Error {
  constructor(status, data) {
    super(data.detail || data.title || "request failed");
    this.status = status;
    this.slug = (data.type || "").split("/").pop();
    this.data = data;
  }
}

async function call(method, path, body) {
  const headers = {"X-OneCard-Till-Key": tillKey};
  if (body) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(api + path, {method, headers, body: body ? JSON.stringify(body) : undefined});
  } catch (err) {
    throw new Error("The till is not answering. Wait a moment and try again; call a supervisor if it lasts.");
  }
  const data = await response.json();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Errors in the cashier's words: money as money, what to do next.
function cashierMessage(err) {
  if (!(err instanceof ApiError)) return err.message;
  const d = err.data;
  switch (err.slug) {
    case "unknown-barcode":
      return d.detail.includes("check digit")
        ? `Barcode ${d.code} was misread (${d.detail.split(": ").pop()}). Scan it again or type it.`
        : `No product with code ${d.code}. Find it by name (F2) or call a supervisor.`;
    case "tender-invalid":
      if (d.detail.startsWith("a card pays")) return `A card can pay at most what is due: ${money(basket.due)}.`;
      if (basket && basket.due > 0) return `Still to pay: ${money(basket.due)}. Take cash or card first.`;
      return "Nothing is due: complete the sale.";
    case "basket-state":
      if (d.detail === "the basket is empty") return "The basket is empty: scan an item first.";
      if (d.detail.startsWith("attach a member")) return "Scan the member's card first.";
      return d.detail.replace(/^basket \S+ is /, "This basket is already ");
    case "redemption-refused": case "member-data-too-old": case "till-revoked":
      return `Points not redeemed: ${d.detail}.`;
    case "unknown-card": case "card-not-usable":
      return `Card not accepted: ${d.detail.replace(/^card \S+: /, "")}.`;
    case "line-not-found": return "That line is no longer in the basket.";
    case "sale-not-found": return `Receipt not found: ${d.detail.split(": ").slice(1).join(": ")}.`;
    case "return-refused": return `Return not possible: ${d.detail}.`;
    case "not-ready": return "The till has not received its prices yet. Wait a moment.";
    case "pin-refused": return `Wrong PIN: ${d.tries_left} ${d.tries_left === 1 ? "try" : "tries"} left before the PIN is locked at this till.`;
    case "pin-locked-out": return `Too many wrong PINs: locked at this till until ${d.until} UTC. Another cashier or a manager can sign in.`;
    case "not-an-approver": return "That person is not a manager: a manager's PIN is needed.";
    case "approval-required": return "A manager must approve this.";
    case "sign-in-required": return "Sign in with your PIN first.";
    case "till-locked": return "The till is locked: unlock it with your PIN.";
    case "unknown-staff": return "This till does not know that person yet.";
    case "shift-state": return d.detail.charAt(0).toUpperCase() + d.detail.slice(1) + ".";
    case "till-key-missing": case "till-key-wrong": case "foreign-origin": case "host-not-allowed":
      return "This page is out of date: reload it (F5).";
    case "invalid-request": {
      const said = Object.values(d.errors || {}).flat().join("; ") || d.detail;
      return `Check what was typed: ${said.replace(/\.+$/, "")}.`;
    }
    default: return d.detail || d.title;
  }
}

// An error stays until the cashier has read it (OK or Esc), or a scan or a redemption goes through:
// a tap on anything else leaves it, so a refused redemption is never missed.
function showError(message) {
  $("error-text").textContent = message || "";
  $("error").hidden = !message;
}

// One request at a time, in the order the cashier acted: a scan made while the basket is still
// loading waits for it, and a slow answer can never overwrite a newer one.
let queue = Promise.resolve();

function act(action) {
  const run = queue.then(() => attempt(action));
  queue = run;
  return run;
}

async function attempt(action) {
  try {
    const result = await action();
    if (result && result.id) { basket = result; render(); }
    return result;
  } catch (err) {
    if (err instanceof ApiError && (err.slug === "sign-in-required" || err.slug === "till-locked")) {
      refreshSession();  // the sign-in screen says what to do
      return null;
    }
    showError(cashierMessage(err));
    return null;
  }
}

function savingLabel(line, d) {
  const memberSaving = line.member_unit_price !== null && d.amount === (line.unit_price - line.member_unit_price) * line.qty;
  return memberSaving ? `${d.label} ${money(line.member_unit_price)} (was ${money(line.unit_price)})` : d.label;
}

function lineRows(line) {
  const qty = line.qty_milli ? (line.qty_milli / 1000).toFixed(3) + " kg" : line.qty;
  const selected = line.line_id === selectedLine ? " selected" : "";
  const rows = [`<tr class="line${selected}" data-sku="${esc(line.sku)}" data-line="${esc(line.line_id)}">` +
    `<td>${esc(line.name)}</td><td class="num">${qty}</td><td class="num">${money(line.unit_price)}</td>` +
    `<td class="num">${money(line.base_amount)}</td></tr>`];
  for (const d of line.discounts) {
    rows.push(`<tr class="saving" data-line="${esc(line.line_id)}"><td colspan="3">${esc(savingLabel(line, d))}</td>` +
      `<td class="num">-${money(d.amount)}</td></tr>`);
  }
  if (line.excluded) {
    rows.push(`<tr class="no-points" data-line="${esc(line.line_id)}"><td colspan="4">${esc(line.excluded_reason)}</td></tr>`);
  }
  return rows.join("");
}

function renderMember(member) {
  if (!member) return "No member card";
  const age = member.data_age_seconds === null ? "" : ` · data ${Math.round(member.data_age_seconds / 60)} min old`;
  const who = member.source === "unknown" ? "card not known to this till (points on sync)"
    : [member.name, member.tier].filter(Boolean).join(" · ");  // a member enrolled here has no tier yet
  return `Card ${member.card_number} · ${who} · ${member.available} points available${age}`;
}

function render() {
  const b = basket;
  const ids = b.lines.map((l) => l.line_id);
  if (!ids.includes(selectedLine)) selectedLine = ids.length ? ids[ids.length - 1] : null;
  $("lines").innerHTML = b.lines.map(lineRows).join("");
  const rows = selectedLine ? $("lines").querySelectorAll(`tr[data-line="${CSS.escape(selectedLine)}"]`) : [];
  if (rows.length) {  // the selected line with its savings rows, scrolled into sight
    rows[rows.length - 1].scrollIntoView({block: "nearest"});
    rows[0].scrollIntoView({block: "nearest"});
  }
  const line = b.lines.find((l) => l.line_id === selectedLine);
  $("selected-line").textContent = line ? `${line.name} × ${line.qty_milli ? (line.qty_milli / 1000).toFixed(3) + " kg" : line.qty}` : "No line selected";
  for (const id of ["qty-minus", "qty-plus", "remove-line"]) $(id).disabled = !line;
  $("member").textContent = renderMember(b.member);
  $("member").className = "member" + (b.member ? " attached" : "");
  $("subtotal").textContent = money(b.subtotal);
  $("savings").textContent = money(b.discount_total);
  $("total").textContent = money(b.total);
  // the tax per rate, as the receipt prints it: "5%: 0.26 · 20%: 0.92"
  $("vat-label").textContent = b.tax.prices_include_tax ? "VAT incl." : "VAT added";
  $("vat").textContent = b.tax.rates.filter((r) => r.tax).map((r) => `${percentFromBasisPoints(r.rate_bp)}: ${money(r.tax)}`).join(" · ") || money(0);
  $("redeemed").textContent = `${b.points.redeemed} (${money(b.points.redeemed_value)})`;
  $("paid").textContent = money(b.paid);
  $("due").textContent = money(b.due);
  $("change").textContent = money(b.change);
  const earned = $("points-earned");
  earned.textContent = b.points.pending && b.points.to_earn ? `${b.points.to_earn} pending` : String(b.points.to_earn);
  earned.className = b.points.pending ? "pending" : "";
  earned.title = b.points.pending ? "sold offline: the points are credited once the till is back online" : "";
  $("rejected-coupons").textContent = b.coupons.rejected.map((c) => `Coupon ${c.code} not accepted: ${c.reason.replaceAll("_", " ")}`).join("; ");
  // offers the basket almost gets: "Add 1 more for 3 for 2 — Snacks", "Spend 3.20 more for 10 % off"
  $("near-misses").textContent = (b.near_misses || []).map((h) => h.missing_qty
    ? `Add ${h.missing_qty} more for ${h.label}` : `Spend ${money(h.missing_amount)} more for ${h.label}`).join("; ");
  // Complete stays tappable: tapped too early, it says what is still to pay.
  $("complete").classList.toggle("primary", Boolean(b.lines.length && b.due === 0));
  if (b.receipt_text) $("receipt").textContent = b.receipt_text;
  renderBasketState(b);
  renderRewards(b);
  refreshRedeemable();
}

// The rewards the member took (each can be given back) and those they can take now with their points
// (the offline allowance offline): a tap takes one.
function renderRewards(b) {
  const r = b.rewards || {taken: [], offered: [], reason: null};
  $("rewards-taken").innerHTML = r.taken.map((t) => `<li class="taken"><span>${esc(t.label)}${t.times > 1 ? ` ×${t.times}` : ""}` +
    ` · ${t.points} pts · -${money(t.discount)}</span><button type="button" data-drop="${esc(t.reward_id)}"` +
    ` aria-label="give back ${esc(t.label)}">✕</button></li>`).join("");
  $("rewards-offered").innerHTML = r.offered.map((o) => `<li><button type="button" data-take="${esc(o.reward_id)}">` +
    `<span>Take ${esc(o.label)}</span><span>${o.points} pts</span></button></li>`).join("");
  let hint = "";
  if (!b.member) hint = "Attach a member card to see the rewards they can take";
  else if (r.reason) hint = `No rewards now: ${r.reason}`;
  else if (!r.offered.length && !r.taken.length) hint = "No reward fits this basket and the member's points";
  else if (r.points) hint = `Rewards spend ${r.points} points`;
  $("rewards-hint").textContent = hint;
}

function renderBasketState(b) {
  const state = $("basket-state");
  if (b.mode === "offline") {
    state.textContent = "Offline sale: points earned are pending until the till is back online";
    state.className = "basket-state offline";
  } else {
    state.textContent = "";
    state.className = "basket-state";
  }
}

// What the member can spend here, now: shown before the cashier types (the offline allowance offline).
async function refreshRedeemable() {
  const hint = $("redeemable");
  const b = basket;
  if (!b.member) {
    hint.textContent = "Attach a member card to redeem points";
    hint.className = "hint";
    $("points").placeholder = "";
    return;
  }
  try {
    const r = await call("GET", `/baskets/${b.id}/redeemable`);
    if (basket !== b) return;
    $("points").step = String(r.step_points);
    $("points").max = String(r.points);
    $("points").placeholder = r.points ? String(r.points) : "";
    const where = r.offline ? " (offline allowance)" : "";
    if (r.points) {
      hint.textContent = `Can redeem now: ${r.minimum_points}–${r.points} points${where}, in steps of ${r.step_points}; ${r.points} pay ${money(r.value_minor)}`;
    } else {
      hint.textContent = `No points can be redeemed now: ${r.reason || `needs ${r.minimum_points} points and a basket they may pay half of`}${where}`;
    }
    hint.className = "hint" + (r.points ? " ok" : "");
  } catch (err) {
    hint.textContent = cashierMessage(err);
  }
}

function flash(text, kind) {
  const state = $("basket-state");
  state.textContent = text;
  state.className = `basket-state ${kind}`;
}

async function newSale() {
  $("receipt").textContent = "";
  await act(() => call("POST", "/baskets"));
  $("scan").focus();
}

// The open basket survives a page reload and an agent restart: show it rather than start another.
// A GET opens nothing, so with no basket open (404) the page opens one.
async function openBasket() {
  try {
    return await call("GET", "/baskets/current");
  } catch (err) {
    if (err.status === 404) return call("POST", "/baskets");
    throw err;
  }
}

async function resumeSale() {
  await act(openBasket);
  $("scan").focus();
}

const MODE_NOTES = {
  offline: "OFFLINE: keep selling. Points earned are pending; points can be redeemed only within the offline allowance.",
  revoked: "This till's access was revoked by head office: keep selling, but no points can be redeemed. Call a supervisor.",
};

async function refreshStatus() {
  try {
    const s = await fetch(api + "/status").then((r) => r.json());
    const mode = $("mode");
    linkMode = s.mode;
    mode.textContent = s.mode.toUpperCase();
    mode.className = "mode " + s.mode;
    mode.title = s.reason || "";
    if (s.currency) {
      currency = s.currency;
      $("currency").textContent = currency;
      exponent = s.currency_exponent ?? currencyDigits(s.currency);
    }
    const note = $("link-state");
    note.hidden = !MODE_NOTES[s.mode];
    note.textContent = MODE_NOTES[s.mode] || "";
    note.className = "link-state " + s.mode;
    $("till").textContent = `Store ${s.store} · Till ${s.terminal}`;
    $("data-age").textContent = s.data_age_seconds === null ? "no data yet" : `data ${Math.round(s.data_age_seconds / 60)} min old`;
    const j = s.journal;
    $("journal-state").textContent = `to send ${j.pending + j.retry}` + (j.rejected ? ` · REJECTED ${j.rejected}` : "");
    renderDevices(s.devices, s.device_health);
  } catch (err) {
    $("mode").textContent = "AGENT DOWN";
    $("mode").className = "mode revoked";
  }
}

// Devices: health badges, receipts kept for a reprint, and baskets changed by a card or a scan.
const deviceLabels = {card_reader: "reader", scanner: "scanner", printer: "printer"};
let deviceChanges = null;
let lastNotice = 0;

function renderDevices(summary, health) {
  for (const [name, label] of Object.entries(deviceLabels)) {
    const badge = $(`device-${name}`);
    const part = health ? health[name] : null;
    badge.textContent = `${label}: ${part ? part.summary : summary[name]}`;
    badge.title = badge.textContent;  // shortened when the header is full (a cashier signed in at 1024 px)
    badge.className = "device" + (part && part.configured ? (part.ok ? " ok" : " problem") : "");
  }
  if (!health) return;
  const kept = health.kept_receipts || [];
  $("kept").hidden = kept.length === 0;
  $("kept-text").textContent = `${kept.length} receipt(s) not printed`;
  $("kept-list").innerHTML = kept.map((k) => `<li>${esc(k.receipt_id)}: ${esc(k.reason)}</li>`).join("");
  const notice = health.notices.length ? health.notices[health.notices.length - 1] : null;
  if (notice && notice.seq > lastNotice) {
    lastNotice = notice.seq;
    $("device-notice").textContent = `${notice.device}: ${notice.message}`;
    $("device-notice").className = "notice" + (notice.problem ? " problem" : "");
  }
  if (deviceChanges !== null && health.changes !== deviceChanges && health.basket_id) {
    lastInput = Date.now();  // a scan or a card at the lane's devices is the cashier at work
    act(() => call("GET", `/baskets/${health.basket_id}`));
  }
  deviceChanges = health.changes;
}

$("reprint").addEventListener("click", () => act(async () => {
  const result = await call("POST", "/receipts/reprint");
  const failed = result.results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`Receipt ${failed[0].receipt_id} is still not printed: ${failed[0].detail}`);
  refreshStatus();
}));

function onSubmit(formId, handler) {
  $(formId).addEventListener("submit", (event) => { event.preventDefault(); handler(); });
}

// -- scanning and corrections ----------------------------------------------------------------

function setPendingQty(qty) {
  pendingQty = qty && qty > 1 ? qty : null;
  $("qty-pending").hidden = !pendingQty;
  $("qty-pending").textContent = pendingQty ? `${pendingQty} ×` : "";
}

async function addItem(code) {
  const qty = pendingQty || 1;
  setPendingQty(null);
  const result = await act(() => call("POST", `/baskets/${basket.id}/items`, qty > 1 ? {code, qty} : {code}));
  if (result) {
    showError("");
    selectedLine = result.lines.length ? result.lines[result.lines.length - 1].line_id : null;
    render();
  }
  return result;
}

onSubmit("scan-form", async () => {
  const typed = $("scan").value.trim();
  if (!typed) return;
  const keyed = typed.match(QTY_KEY);
  if (keyed) {  // "3x" sets the quantity for the next scan; "3x4001686301265" adds three at once
    $("scan").value = "";
    setPendingQty(parseInt(keyed[1], 10));
    if (keyed[2]) await addItem(keyed[2]);
    backToScan();
    return;
  }
  if (RECEIPT_CODE.test(typed)) {  // a receipt's code scanned at the item prompt starts its return
    $("scan").value = "";
    openReturn(typed);
    return;
  }
  // Cleared at once, before the answer: a scanner may type the next code meanwhile, and it must
  // land in an empty field. A refused code comes back for the cashier to correct, if the field
  // is still empty then.
  $("scan").value = "";
  if (!await addItem(typed) && $("scan").value === "") $("scan").value = typed;
  backToScan();
});

// After a scan's answer, the item field takes the focus back, unless the cashier has meanwhile
// moved into another field (typing a card number there must not land in the item field).
function backToScan() {
  const at = document.activeElement;
  if (!at || at === document.body || at === $("scan") || at.tagName === "BUTTON") $("scan").focus();
}

function quantityKey() {
  const typed = $("scan").value.trim();
  if (/^\d{1,3}$/.test(typed)) {
    $("scan").value = "";
    setPendingQty(parseInt(typed, 10));
  } else {
    showError("Type the number of items first, then press Qty × (or type 3x and scan).");
  }
  $("scan").focus();
}

function changeQty(delta) {
  const line = basket.lines.find((l) => l.line_id === selectedLine);
  if (!line) return null;
  if (line.qty + delta < 1) return removeLine();
  return act(() => call("PATCH", `/baskets/${basket.id}/items/${line.line_id}`, {qty: line.qty + delta}));
}

function removeLine() {
  if (!selectedLine) return null;
  const line = selectedLine;
  return act(() => call("DELETE", `/baskets/${basket.id}/items/${line}`)).then((result) => {
    if (result) flash("Line removed", "info");
    return result;
  });
}

function moveSelection(step) {
  const ids = basket.lines.map((l) => l.line_id);
  if (!ids.length) return;
  const at = Math.max(0, Math.min(ids.length - 1, ids.indexOf(selectedLine) + step));
  selectedLine = ids[at];
  render();
}

$("lines").addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-line]");
  if (!row) return;
  selectedLine = row.dataset.line;
  render();
  $("scan").focus();
});
$("key-qty").addEventListener("click", quantityKey);
$("qty-minus").addEventListener("click", () => changeQty(-1));
$("qty-plus").addEventListener("click", () => changeQty(1));
$("remove-line").addEventListener("click", removeLine);
$("error-ok").addEventListener("click", () => { showError(""); $("scan").focus(); });

// Keys in the empty item field correct the selected line; a scanner never types these.
$("scan").addEventListener("keydown", (event) => {
  const empty = $("scan").value === "";
  if (event.key === "*" && /^\d{1,3}$/.test($("scan").value.trim())) { event.preventDefault(); quantityKey(); return; }
  if (!empty) return;
  const keys = {ArrowUp: () => moveSelection(-1), ArrowDown: () => moveSelection(1), Delete: removeLine,
                "+": () => changeQty(1), "-": () => changeQty(-1)};
  if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
});

onSubmit("card-form", async () => {
  if (!$("card").value.trim()) { showError("Scan or type the card number first."); return; }
  if (await act(() => call("POST", `/baskets/${basket.id}/member`, {card_number: $("card").value.trim()}))) {
    $("card").value = "";
  }
  $("scan").focus();  // the next scan must reach the item field
});
onSubmit("coupon-form", async () => {
  if (await act(() => call("POST", `/baskets/${basket.id}/coupons`, {code: $("coupon").value.trim()}))) $("coupon").value = "";
  $("scan").focus();
});
$("rewards").addEventListener("click", async (event) => {
  const take = event.target.closest("button[data-take]");
  const drop = event.target.closest("button[data-drop]");
  if (take) {
    if (await act(() => call("POST", `/baskets/${basket.id}/rewards`, {reward_id: take.dataset.take}))) showError("");
  } else if (drop) {
    await act(() => call("DELETE", `/baskets/${basket.id}/rewards/${encodeURIComponent(drop.dataset.drop)}`));
  } else {
    return;
  }
  $("scan").focus();
});
onSubmit("points-form", async () => {
  const points = parseInt($("points").value || $("points").placeholder, 10);
  if (!points) { showError("Type how many points to redeem."); return; }
  if (await act(() => call("POST", `/baskets/${basket.id}/redemption`, {points}))) { $("points").value = ""; showError(""); }
  $("scan").focus();
});

async function tender(kind) {
  const text = $("tender-amount").value.trim();
  let body = {kind};
  try {
    if (text && toMinor(text) !== null) body = {kind, amount: text};  // checked here, read again by the agent
  } catch (err) {
    showError(err.message);
    return;
  }
  if (await act(() => call("POST", `/baskets/${basket.id}/tenders`, body))) $("tender-amount").value = "";
}
onSubmit("tender-form", () => tender("cash"));
$("pay-card").addEventListener("click", () => tender("card"));

// A finished sale starts the next one by itself; its receipt stays on screen.
$("complete").addEventListener("click", async () => {
  const done = await act(() => call("POST", `/baskets/${basket.id}/complete`));
  if (!done) return;
  showError("");
  await act(() => call("POST", "/baskets"));
  flash(`Sale complete${done.change ? ` · give change ${money(done.change)}` : ""} · next customer`, "done");
  $("scan").focus();
});

// Voiding takes two taps, so one stray touch does not throw a basket away.
let voidArmed = null;
$("cancel").addEventListener("click", async () => {
  if (!voidArmed) {
    $("cancel").textContent = "Tap again to void";
    voidArmed = setTimeout(() => { voidArmed = null; $("cancel").textContent = "Void basket"; }, 4000);
    return;
  }
  clearTimeout(voidArmed);
  voidArmed = null;
  $("cancel").textContent = "Void basket";
  const id = basket.id;
  if (!await act(() => approved((a) => call("POST", `/baskets/${id}/cancel`, a ? {approval: a} : undefined)))) return;
  showError("");
  await act(() => call("POST", "/baskets"));
  flash("Basket voided · nothing was sold", "voided");
  $("scan").focus();
});
$("new-sale").addEventListener("click", newSale);

// -- dialogs: find by name, price check, return ------------------------------------------------

function openDialog(id, focusId) {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  $(id).showModal();
  $(focusId).focus();
}

for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("close", () => $("scan").focus());
  for (const button of dialog.querySelectorAll("button.close")) button.addEventListener("click", () => dialog.close());
}

function openFind() {
  $("find-text").value = "";
  $("find-results").innerHTML = "";
  $("find-note").textContent = "Type at least 2 letters of the name.";
  openDialog("find-dialog", "find-text");
}

let findTimer = null;
async function findProducts() {
  const text = $("find-text").value.trim();
  if (text.length < 2) return;
  try {
    const found = (await call("GET", `/products?q=${encodeURIComponent(text)}`)).products;
    if ($("find-text").value.trim() !== text) return;  // the cashier typed on meanwhile
    $("find-results").innerHTML = found.map((p) => `<li><button type="button" data-sku="${esc(p.sku)}">` +
      `<span>${esc(p.name)}</span><span class="num">${money(p.unit_price)}</span></button></li>`).join("");
    $("find-note").textContent = found.length ? "Tap the item, or ↓ then Enter." : `Nothing called “${text}”.`;
  } catch (err) {
    $("find-note").textContent = cashierMessage(err);
  }
}
$("find-text").addEventListener("input", () => { clearTimeout(findTimer); findTimer = setTimeout(findProducts, 150); });
$("find-text").addEventListener("keydown", (event) => {
  const first = $("find-results").querySelector("button");
  if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
});
$("find-results").addEventListener("keydown", (event) => {
  const items = [...$("find-results").querySelectorAll("button")];
  const at = items.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && at < items.length - 1) { event.preventDefault(); items[at + 1].focus(); }
  if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? items[at - 1] : $("find-text")).focus(); }
});
onSubmit("find-form", async () => {
  clearTimeout(findTimer);
  await findProducts();
  const first = $("find-results").querySelector("button");
  if (first && $("find-results").children.length === 1) first.click();  // one match: take it
});
$("find-results").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-sku]");
  if (!button) return;
  $("find-dialog").close();
  await addItem(button.dataset.sku);
});

let priceChecked = null;
function openPriceCheck() {
  $("price-code").value = "";
  $("price-result").innerHTML = "";
  $("price-add").hidden = true;
  openDialog("price-dialog", "price-code");
}
onSubmit("price-form", async () => {
  const code = $("price-code").value.trim();
  if (!code) return;
  const query = `code=${encodeURIComponent(code)}` + (basket && basket.member ? `&basket=${basket.id}` : "");
  try {
    const p = await call("GET", `/price-check?${query}`);
    priceChecked = p.code;
    const savings = p.discounts.map((d) => `<li>${esc(savingLabel(p, d))}: -${money(d.amount)}</li>`).join("");
    $("price-result").innerHTML = `<p class="price-name">${esc(p.name)}</p>` +
      `<p class="price-now">${money(p.total)}${p.qty_milli ? " for this weight" : " each"}</p>` +
      (p.total !== p.base_amount ? `<p>Shelf price ${money(p.base_amount)}</p><ul>${savings}</ul>` : "") +
      `<p class="hint">${p.for_member ? "For the member on this basket." : "Without a member card."} Offers on several items are not shown.</p>`;
    $("price-add").hidden = false;
  } catch (err) {
    priceChecked = null;
    $("price-result").innerHTML = `<p class="error">${esc(cashierMessage(err))}</p>`;
    $("price-add").hidden = true;
  }
  $("price-code").select();
});
$("price-add").addEventListener("click", async () => {
  $("price-dialog").close();
  if (priceChecked) await addItem(priceChecked);
});

let returning = null;  // {sale, lines: {line_id: units}}
function returnStep(step) {
  for (const part of ["return-find", "return-lines", "return-done"]) $(part).hidden = part !== step;
}

function returnError(message) {
  $("return-error").textContent = message || "";
  $("return-error").hidden = !message;
}

async function openReturn(code) {
  returning = null;
  disarmSaleVoid();
  returnError("");
  $("return-code").value = "";
  returnStep("return-find");
  openDialog("return-dialog", "return-code");
  loadRecentSales();
  if (code) await loadSale(code);
}

async function loadRecentSales() {
  try {
    const recent = (await call("GET", "/transactions")).sales;
    $("recent-sales").innerHTML = recent.length ? recent.map((s) => `<li><button type="button" data-sale="${esc(s.id)}">` +
      `<span>${esc(new Date(s.at).toLocaleString())} · ${s.items} item(s)${s.card_number ? " · member" : ""}</span>` +
      `<span class="num">${money(s.total_minor)}</span></button></li>`).join("") : "<li class=\"hint\">No sales at this till yet.</li>";
  } catch (err) {
    $("recent-sales").innerHTML = `<li class="error">${esc(cashierMessage(err))}</li>`;
  }
}

async function loadSale(code) {
  returnError("");
  try {
    const sale = await call("GET", `/transactions/${encodeURIComponent(code)}`);
    if (sale.voided) throw new Error("This sale was voided: nothing is left to return.");
    returning = {sale, lines: {}};
    const body = sale.body;
    const where = body.store === undefined ? "" : ` · store ${body.store}, till ${body.terminal}`;
    $("return-sale").textContent = `Sale of ${new Date(body.at).toLocaleString()}${where}` +
      (body.card_number ? ` · card ${body.card_number}` : "") + ` · paid with ${body.tenders.map((t) => t.kind).join(" + ")}`;
    renderReturnRows();
    returnStep("return-lines");
    const first = $("return-rows").querySelector("button.more");
    (first || $("return-back")).focus();
  } catch (err) {
    returnError(cashierMessage(err));
    $("return-code").select();
  }
}

function renderReturnRows() {
  $("return-rows").innerHTML = returning.sale.returnable.map((ln) => {
    const n = returning.lines[ln.line_id] || 0;
    const back = ln.returned ? `${ln.returned} back` : "";
    const controls = ln.left ? `<button type="button" class="less" data-line="${esc(ln.line_id)}" aria-label="one less">−</button>` +
      `<output>${n}</output><button type="button" class="more" data-line="${esc(ln.line_id)}" aria-label="one more">+</button>`
      : "nothing left";
    return `<tr data-line="${esc(ln.line_id)}"><td>${esc(ln.name)}</td><td class="num">${ln.qty}</td>` +
      `<td class="num">${money(ln.paid_minor)}</td><td class="num">${back}</td><td class="stepper">${controls}</td></tr>`;
  }).join("");
  document.querySelector(".void-sale").hidden = !returning.sale.returnable.some((ln) => ln.left);
  const units = Object.values(returning.lines).reduce((a, b) => a + b, 0);
  $("refund").disabled = units === 0;
  $("refund").textContent = units ? `Refund ${units} item(s)` : "Refund";
}

$("return-rows").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-line]");
  if (!button) return;
  const line = returning.sale.returnable.find((ln) => ln.line_id === button.dataset.line);
  const n = (returning.lines[line.line_id] || 0) + (button.classList.contains("more") ? 1 : -1);
  returning.lines[line.line_id] = Math.max(0, Math.min(line.left, n));
  renderReturnRows();
  $("return-rows").querySelector(`tr[data-line="${CSS.escape(line.line_id)}"] button.${button.classList[0]}`)?.focus();
});
$("return-all").addEventListener("click", () => {
  for (const ln of returning.sale.returnable) returning.lines[ln.line_id] = ln.left;
  renderReturnRows();
  $("refund").focus();
});
$("return-back").addEventListener("click", () => { returning = null; disarmSaleVoid(); returnStep("return-find"); $("return-code").focus(); });
onSubmit("return-form", () => { const code = $("return-code").value.trim(); if (code) loadSale(code); });
$("recent-sales").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-sale]");
  if (button) loadSale(button.dataset.sale);
});

function refundDone(done, what) {
  const paid = done.transaction.tenders.filter((t) => t.amount_minor).map((t) => `${t.kind} ${money(t.amount_minor)}`);
  const points = done.points_given_back ? ` · ${done.points_given_back} points back to the card` : "";
  const taken = done.points_taken_back ? ` · ${done.points_taken_back} points taken off the card` : "";
  $("refund-summary").textContent = `${what === "Sale voided" ? "Sale voided · refunded" : "Refunded"} ${money(done.refund_minor)}: ` +
    `give back ${paid.join(" + ") || "nothing in money"}${points}${taken}`;
  $("refund-receipt").textContent = done.receipt_text;
  $("receipt").textContent = done.receipt_text;
  returnStep("return-done");
  flash(`${what} · refunded ${money(done.refund_minor)}`, "done");
  $("return-dialog").querySelector("button.close").focus();
}

$("refund").addEventListener("click", async () => {
  const lines = Object.fromEntries(Object.entries(returning.lines).filter(([, n]) => n > 0));
  if (!Object.keys(lines).length) return;
  $("refund").disabled = true;
  returnError("");
  try {
    const saleId = returning.sale.body.id;
    const done = await approved((a) => call("POST", `/transactions/${saleId}/returns`, a ? {lines, approval: a} : {lines}));
    if (!done) { returnError("Not approved: nothing was refunded."); $("refund").disabled = false; return; }
    refundDone(done, "Return done");
  } catch (err) {
    returnError(cashierMessage(err));
    $("refund").disabled = false;
  }
});

// Voiding a completed sale is a full refund of what is left of it: two taps, then a manager's PIN.
let saleVoidArmed = null;
function disarmSaleVoid() {
  clearTimeout(saleVoidArmed);
  saleVoidArmed = null;
  $("void-sale").textContent = "Void the whole sale";
}

$("void-sale").addEventListener("click", async () => {
  if (!saleVoidArmed) {
    const left = returning.sale.returnable.reduce((sum, ln) => sum + ln.left, 0);
    $("void-sale").textContent = `Tap again: refund all ${left} item(s) left`;
    saleVoidArmed = setTimeout(disarmSaleVoid, 5000);
    return;
  }
  disarmSaleVoid();
  $("void-sale").disabled = true;
  returnError("");
  try {
    const saleId = returning.sale.body.id;
    const done = await approved((a) => call("POST", `/transactions/${saleId}/void`, a ? {approval: a} : {}));
    if (!done) { returnError("Not approved: the sale was not voided and nothing was refunded."); return; }
    refundDone(done, "Sale voided");
  } catch (err) {
    returnError(cashierMessage(err));
  } finally {
    $("void-sale").disabled = false;
  }
});

$("key-find").addEventListener("click", openFind);
$("key-price").addEventListener("click", openPriceCheck);
$("key-return").addEventListener("click", () => openReturn(null));

// Keyboard first: function keys open the tools; typing anywhere outside a field goes to the item
// field, so a keyboard-wedge scan is never lost in a button or the card field.
document.addEventListener("keydown", (event) => {
  const tools = {F2: openFind, F3: openPriceCheck, F4: () => openReturn(null), F6: suspendBasket, F7: openResume,
                 F8: openShift, F9: lockTill, F10: openEnrol};
  if (tools[event.key] && !blocked() && !approving) { event.preventDefault(); tools[event.key](); return; }
  if (event.key === "Escape" && !$("error").hidden && !document.querySelector("dialog[open]")) {
    showError("");
    $("scan").focus();
    return;
  }
  const typing = event.target.closest && event.target.closest("input, textarea, select, dialog");
  if (!typing && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) $("scan").focus();
});

// -- who is at the till: sign-in, lock, manager approval -----------------------------------------

let session = null;  // {required, cashier, locked, shift}
let staffList = [];
let signinPick = null;

function blocked() {
  return Boolean(session && session.required && (!session.cashier || session.locked));
}

async function refreshSession() {
  try {
    session = await call("GET", "/session");
  } catch (err) {
    return;
  }
  const who = session.cashier;
  $("cashier").textContent = who ? `Cashier ${who.name}` + (session.locked ? " · LOCKED" : "") : (session.required ? "Nobody signed in" : "");
  $("lock").hidden = $("sign-out").hidden = !(session.required && who);
  if (blocked()) showSignIn();
  else {
    lockReason = "";
    if ($("signin-dialog").open) $("signin-dialog").close();
  }
}

function pinpad(pad, onOk) {
  const input = $(pad.dataset.for);
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"];
  pad.innerHTML = keys.map((k) => `<button type="${k === "OK" ? "submit" : "button"}" class="${k === "OK" ? "ok" : ""}" ` +
    `data-key="${k}" aria-label="${k === "⌫" ? "delete" : k}">${k}</button>`).join("");
  pad.addEventListener("click", (event) => {
    const key = event.target.closest("button[data-key]")?.dataset.key;
    if (!key || key === "OK") return;
    input.value = key === "⌫" ? input.value.slice(0, -1) : (input.value + key).slice(0, 8);
    input.focus();
  });
  pad.closest("form").addEventListener("submit", (event) => { event.preventDefault(); onOk(); });
}

function staffButtons(box, people, picked) {
  box.innerHTML = people.map((p) => `<button type="button" data-staff="${esc(p.id)}" aria-pressed="${p.id === picked}">` +
    `${esc(p.name)}${p.role === "cashier" ? "" : ` <small>${esc(p.role)}</small>`}</button>`).join("");
}

function pickStaff(box, id, pinId) {
  for (const b of box.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.staff === id));
  $(pinId).value = "";
  $(pinId).focus();
  return id;
}

async function showSignIn() {
  const dialog = $("signin-dialog");
  if (dialog.open) return;
  for (const open of document.querySelectorAll("dialog[open]")) open.close();
  staffList = (await call("GET", "/cashiers").catch(() => ({cashiers: []}))).cashiers;
  const locked = session.locked && session.cashier;
  const people = locked ? staffList.filter((p) => p.id === session.cashier.id || p.role !== "cashier") : staffList;
  signinPick = locked ? session.cashier.id : (people.length === 1 ? people[0].id : null);
  $("signin-title").textContent = locked ? `Till locked · ${session.cashier.name}` : "Sign in";
  $("signin-hint").textContent = locked ? `${lockReason}${session.cashier.name}'s PIN (or a manager's) unlocks the till.`
    : "Tap your name, then type your PIN.";
  staffButtons($("signin-staff"), people, signinPick);
  $("signin-pin").value = "";
  $("signin-error").hidden = true;
  dialog.showModal();
  (signinPick ? $("signin-pin") : $("signin-staff").querySelector("button") || $("signin-pin")).focus();
}

$("signin-dialog").addEventListener("cancel", (event) => event.preventDefault());  // Esc cannot skip it
$("signin-staff").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-staff]");
  if (button) signinPick = pickStaff($("signin-staff"), button.dataset.staff, "signin-pin");
});
pinpad(document.querySelector('.pinpad[data-for="signin-pin"]'), async () => {
  const pin = $("signin-pin").value;
  if (!signinPick) { $("signin-error").textContent = "Tap your name first."; $("signin-error").hidden = false; return; }
  if (!pin) return;
  const locked = session.locked && session.cashier;
  try {
    session = locked
      ? await call("POST", "/session/unlock", signinPick === session.cashier.id ? {pin} : {pin, staff_id: signinPick})
      : await call("POST", "/session", {staff_id: signinPick, pin});
  } catch (err) {
    $("signin-pin").value = "";
    $("signin-error").textContent = cashierMessage(err);
    $("signin-error").hidden = false;
    return;
  }
  $("signin-dialog").close();
  await refreshSession();
  if (!basket || basket.state !== "open") await resumeSale();
  $("scan").focus();
});

async function lockTill() {
  if (approving) endApproval(null);  // a manager's PIN half-typed is given up with the lane
  await call("POST", "/session/lock").catch(() => null);
  refreshSession();
}

// Idle auto-lock: a lane nobody touched for the agent's idle_lock_seconds locks itself, so a
// cashier who walked away leaves no till open to the next person. Scans through the page count
// as input; so does any key, tap or click.
let idleLocked = false;
for (const kind of ["keydown", "pointerdown", "touchstart", "wheel"]) {
  document.addEventListener(kind, () => { lastInput = Date.now(); }, {capture: true, passive: true});
}
setInterval(async () => {
  const limit = session && session.idle_lock_seconds;
  if (!limit || blocked() || !session.cashier || idleLocked) return;
  if (Date.now() - lastInput < limit * 1000) return;
  idleLocked = true;
  lockReason = `Locked after ${limit >= 60 ? Math.round(limit / 60) + " min" : limit + " s"} without use. `;
  await lockTill();
  idleLocked = false;
}, 1000);
$("lock").addEventListener("click", lockTill);
$("sign-out").addEventListener("click", async () => {
  await call("POST", "/session/sign-out").catch(() => null);
  refreshSession();
});

// A manager's PIN for what needs one: ``request(approval)`` is tried without, and when the agent
// answers approval-required, again with the PIN typed here (until it is right, or Cancel).
let approving = null;  // {request, resolve, pick}

function approved(request) {
  return request(null).catch(async (err) => {
    if (!(err instanceof ApiError) || err.slug !== "approval-required") throw err;
    if (!staffList.length) staffList = (await call("GET", "/cashiers")).cashiers;  // signed in on an earlier page
    return new Promise((resolve) => {
      approving = {request, resolve, pick: null};
      const managers = staffList.filter((p) => p.role !== "cashier");
      approving.pick = managers.length === 1 ? managers[0].id : null;
      const what = err.data.action || "this";
      $("approve-what").textContent = `${what.charAt(0).toUpperCase()}${what.slice(1)}` +
        (err.data.amount_minor ? ` (${money(err.data.amount_minor)})` : "") + " needs a manager's PIN.";
      staffButtons($("approve-staff"), managers, approving.pick);
      $("approve-pin").value = "";
      $("approve-error").hidden = true;
      $("approve-dialog").showModal();
      (approving.pick ? $("approve-pin") : $("approve-staff").querySelector("button") || $("approve-pin")).focus();
    });
  });
}

function endApproval(result) {
  const done = approving;
  approving = null;
  if ($("approve-dialog").open) $("approve-dialog").close();
  if (done) done.resolve(result);
}

$("approve-staff").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-staff]");
  if (button && approving) approving.pick = pickStaff($("approve-staff"), button.dataset.staff, "approve-pin");
});
pinpad(document.querySelector('.pinpad[data-for="approve-pin"]'), async () => {
  const pin = $("approve-pin").value;
  if (!approving || !pin) return;
  if (!approving.pick) { $("approve-error").textContent = "Tap the manager's name first."; $("approve-error").hidden = false; return; }
  try {
    endApproval(await approving.request({staff_id: approving.pick, pin}));
  } catch (err) {
    $("approve-pin").value = "";
    $("approve-error").textContent = cashierMessage(err);
    $("approve-error").hidden = false;
  }
});
$("approve-cancel").addEventListener("click", () => endApproval(null));
$("approve-dialog").addEventListener("cancel", (event) => { event.preventDefault(); endApproval(null); });

// -- suspend and resume, no-sale, shift ------------------------------------------------------------

async function refreshSuspended() {
  const parked = (await call("GET", "/baskets/suspended").catch(() => ({baskets: []}))).baskets;
  $("key-resume").innerHTML = `Resume${parked.length ? ` (${parked.length})` : ""} <kbd>F7</kbd>`;
  return parked;
}

async function suspendBasket() {
  if (!basket || !basket.lines.length) { showError("Nothing to suspend: the basket is empty."); return; }
  if (!await act(() => call("POST", `/baskets/${basket.id}/suspend`))) return;
  await act(() => call("POST", "/baskets"));
  flash("Basket suspended · Resume (F7) brings it back", "info");
  refreshSuspended();
  $("scan").focus();
}

async function openResume() {
  const parked = await refreshSuspended();
  $("suspended-list").innerHTML = parked.length ? parked.map((b) => `<li><button type="button" data-basket="${esc(b.id)}">` +
    `<span>${esc(new Date(b.suspended_at).toLocaleTimeString())} · ${b.items} item(s): ${esc(b.names.join(", "))}` +
    `${b.card_number ? " · member" : ""}</span><span class="num">${money(b.total)}</span></button></li>`).join("")
    : "<li class=\"hint\">No suspended baskets at this till.</li>";
  openDialog("resume-dialog", "suspended-list");
  $("suspended-list").querySelector("button")?.focus();
}

$("suspended-list").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-basket]");
  if (!button) return;
  $("resume-dialog").close();
  if (basket && basket.state === "open" && basket.lines.length) {
    showError("Suspend or finish the basket on screen first.");
    return;
  }
  if (await act(() => call("POST", `/baskets/${button.dataset.basket}/resume`))) flash("Basket resumed", "info");
  refreshSuspended();
});

function openNoSale() {
  $("nosale-reason").value = "";
  $("nosale-error").hidden = true;
  openDialog("nosale-dialog", "nosale-reason");
}
$("nosale-reasons").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (button) { $("nosale-reason").value = button.textContent; $("nosale-reason").focus(); }
});
onSubmit("nosale-form", async () => {
  const reason = $("nosale-reason").value.trim();
  if (!reason) { $("nosale-error").textContent = "Say why the drawer is opened."; $("nosale-error").hidden = false; return; }
  try {
    await call("POST", "/drawer/no-sale", {reason});
  } catch (err) {
    $("nosale-error").textContent = cashierMessage(err);
    $("nosale-error").hidden = false;
    return;
  }
  $("nosale-dialog").close();
  flash(`Drawer opened: ${reason}`, "info");
});

function reportText(r) {
  const rows = [[r.kind === "z_report" ? "Z REPORT" : "X REPORT", r.cashier || ""],
    ["Shift opened", new Date(r.opened_at).toLocaleString()],
    [`Sales (${r.sales_count})`, money(r.sales_minor)], [`Refunds (${r.refunds_count})`, money(-r.refunds_minor)],
    ["Voids", String(r.voids_count)], ["No-sales", String(r.no_sales)],
    ...Object.entries(r.tenders).map(([k, v]) => [`  ${k}`, money(v)]),
    ["Points redeemed", String(r.points_redeemed)], ["Float", money(r.float_minor)],
    ["Expected cash", money(r.expected_cash_minor)]];
  if (r.counted_cash_minor !== null) rows.push(["Counted cash", money(r.counted_cash_minor)], ["Difference", money(r.difference_minor)]);
  return rows.map(([a, b]) => `${a.padEnd(24)}${b.padStart(14)}`).join("\n");
}

async function openShift() {
  await refreshSession();
  const shift = session && session.shift;
  $("shift-error").hidden = true;
  $("shift-report").hidden = true;
  $("shift-open-form").hidden = Boolean(shift);
  $("shift-running").hidden = !shift;
  $("shift-state").textContent = shift
    ? `Shift open since ${new Date(shift.opened_at).toLocaleTimeString()} with a float of ${money(shift.float_minor)}.`
    : "No shift open: count the float into the drawer and open the shift.";
  $("shift-float").value = "";
  $("shift-counted").value = "";
  openDialog("shift-dialog", shift ? "shift-x" : "shift-float");
}

async function shiftCall(path, body) {
  $("shift-error").hidden = true;
  try {
    return await call("POST", path, body);
  } catch (err) {
    $("shift-error").textContent = cashierMessage(err);
    $("shift-error").hidden = false;
    return null;
  }
}

function amountIn(id) {
  try {
    return toMinor($(id).value || "0");
  } catch (err) {
    $("shift-error").textContent = err.message;
    $("shift-error").hidden = false;
    return null;
  }
}

onSubmit("shift-open-form", async () => {
  const float = amountIn("shift-float");
  if (float === null) return;
  if (await shiftCall("/shift", {float: $("shift-float").value.trim() || "0"})) { $("shift-dialog").close(); flash(`Shift open · float ${money(float)}`, "info"); }
});
$("shift-x").addEventListener("click", async () => {
  const report = await shiftCall("/shift/x-report");
  if (report) { $("shift-report").textContent = reportText(report); $("shift-report").hidden = false; }
});
onSubmit("shift-close-form", async () => {
  const counted = amountIn("shift-counted");
  if (counted === null) return;
  const report = await shiftCall("/shift/close", {counted: $("shift-counted").value.trim() || "0"});
  if (!report) return;
  $("shift-report").textContent = reportText(report);
  $("shift-report").hidden = false;
  $("shift-running").hidden = true;
  $("shift-state").textContent = "Shift closed: the Z report is printed and sent to head office.";
  refreshSession();
});

// -- enrolling a member on a pre-printed card -------------------------------------------------------

const ENROL_FIELDS = {card_number: "enrol-card", name: "enrol-name", phone: "enrol-phone", email: "enrol-email"};
let cardClaim = null;  // the timer renewing the claim on the scanner's and reader's cards
let claimedSeq = 0;  // the last device card put into the card field
let burst = {text: "", last: 0};  // digits typed fast in the form: a keyboard-wedge scan

function enrolErrors(messages, fields) {
  for (const id of Object.values(ENROL_FIELDS)) $(id).removeAttribute("aria-invalid");
  for (const field of fields || []) $(ENROL_FIELDS[field] || field).setAttribute("aria-invalid", "true");
  const box = $("enrol-error");
  box.innerHTML = messages.length > 1 ? `<ul>${messages.map((m) => `<li>${esc(m)}</li>`).join("")}</ul>` : esc(messages[0] || "");
  box.hidden = !messages.length;
}

function openEnrol() {
  for (const id of Object.values(ENROL_FIELDS)) $(id).value = "";
  for (const box of $("enrol-form").querySelectorAll("input[type=checkbox]")) box.checked = false;
  enrolErrors([]);
  $("enrol-submit").disabled = false;
  openDialog("enrol-dialog", "enrol-card");
  claimCards();
  cardClaim = setInterval(claimCards, 500);
}

// The serial scanner and the card reader go to the agent, not the page: while the form is open,
// the agent keeps their member cards for it (a claim renewed here, so it lapses if the page goes).
async function claimCards() {
  try {
    const claim = await call("POST", "/devices/card-claim", {seconds: 5});
    if (!$("enrol-dialog").open || !claim.card || claim.card.seq <= claimedSeq) return;
    claimedSeq = claim.card.seq;
    cardArrived(claim.card.card_number);
  } catch (err) {
    // no devices answering: the card is typed or wedge-scanned into the field
  }
}

function releaseCards() {
  clearInterval(cardClaim);
  cardClaim = null;
  call("DELETE", "/devices/card-claim").catch(() => null);
}

function cardArrived(number) {
  $("enrol-card").value = number;
  $("enrol-card").removeAttribute("aria-invalid");
  if (!$("enrol-name").value.trim()) $("enrol-name").focus();
}

// The fields the agent refused, in the form's order (so the first one gets the focus).
function invalidFields(data) {
  const order = Object.keys(ENROL_FIELDS);
  return Object.keys(data.errors || {}).sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function enrolMessage(err, number) {
  if (!(err instanceof ApiError)) return [err.message];
  const d = err.data;
  switch (err.slug) {
    case "unknown-card": {
      const why = d.detail.replace(/^card \S*: /, "");
      const said = {"wrong check digit": "the last digit does not match (misread or mistyped)",
                    "must be 13 digits": `it has ${number.length} digits, a card has 13`,
                    "must be digits only": "a card number is digits only"}[why] || why;
      return [`Card number ${number} is not one of our cards: ${said}. Scan the card again or check the digits.`];
    }
    case "card-already-issued":
      return [`Card ${number} already belongs to a member: hand over a new card. (To sell to that member, attach the card.)`];
    case "invalid-request":
      return invalidFields(d).flatMap((f) => d.errors[f]).map((m) => m.charAt(0).toUpperCase() + m.slice(1) + ".");
    default: return [cashierMessage(err)];
  }
}

onSubmit("enrol-form", async () => {
  const number = $("enrol-card").value.trim();
  const name = $("enrol-name").value.trim();
  const missing = [];
  if (!number) missing.push(["card_number", "Scan the new card or type its number."]);
  if (!name) missing.push(["name", "Type the member's name."]);
  if (missing.length) {
    enrolErrors(missing.map(([, m]) => m), missing.map(([f]) => f));
    $(ENROL_FIELDS[missing[0][0]]).focus();
    return;
  }
  const body = {card_number: number, name, consents: {}};
  for (const field of ["phone", "email"]) if ($(ENROL_FIELDS[field]).value.trim()) body[field] = $(ENROL_FIELDS[field]).value.trim();
  for (const box of $("enrol-form").querySelectorAll("input[data-consent]")) body.consents[box.dataset.consent] = box.checked;
  $("enrol-submit").disabled = true;
  let done;
  try {
    done = await call("POST", "/members", body);
  } catch (err) {
    $("enrol-submit").disabled = false;
    if (err instanceof ApiError && (err.slug === "sign-in-required" || err.slug === "till-locked")) {
      $("enrol-dialog").close();
      refreshSession();  // the sign-in screen says what to do; the form is typed again after
      return;
    }
    const fields = err instanceof ApiError && err.slug === "invalid-request" ? invalidFields(err.data) : ["card_number"];
    enrolErrors(enrolMessage(err, number), fields);
    $(ENROL_FIELDS[fields[0]] || "enrol-card").select();
    return;
  }
  $("enrol-dialog").close();
  const where = linkMode === "online" ? "" : " · enrolled offline: the server will get it when the link returns";
  const open = basket && basket.state === "open";
  const attached = open && await act(() => call("POST", `/baskets/${basket.id}/member`, {card_number: done.card_number}));
  flash(`${done.name} enrolled with card ${done.card_number}${attached ? " · attached to this sale" : ""}${where}`,
    linkMode === "online" ? "done" : "offline");
  $("scan").focus();
});

$("enrol-dialog").addEventListener("close", releaseCards);
// A field typed again loses its red edge; the message stays until the next try, so it is read.
$("enrol-form").addEventListener("input", (event) => event.target.removeAttribute("aria-invalid"));
$("enrol-dialog").addEventListener("keydown", (event) => {
  const now = performance.now();
  if (/^\d$/.test(event.key)) {
    if (now - burst.last > 50) burst = {text: "", last: now};
    burst.text += event.key;
    burst.last = now;
    if (!event.target.matches("input:not([type=checkbox])")) {  // on a checkbox or a button: into the card field
      event.preventDefault();
      $("enrol-card").value = burst.text;
      $("enrol-card").focus();
    }
    return;
  }
  if (event.key !== "Enter") return;
  const field = event.target;
  // A keyboard-wedge scan (digits fast, then Enter) is the new card, whichever field it landed in.
  if (burst.text.length >= 8 && now - burst.last < 100 && field !== $("enrol-card")) {
    event.preventDefault();
    const scanned = burst.text;
    burst = {text: "", last: 0};
    if (field.value && field.value.endsWith(scanned)) field.value = field.value.slice(0, -scanned.length);
    cardArrived(scanned);
    return;
  }
  burst = {text: "", last: 0};
  if (field === $("enrol-card") && !$("enrol-name").value.trim()) {  // the card scanned: the name is next
    event.preventDefault();
    $("enrol-name").focus();
  }
});

$("key-enrol").addEventListener("click", () => { if (!blocked()) openEnrol(); });
$("key-suspend").addEventListener("click", suspendBasket);
$("key-resume").addEventListener("click", openResume);
$("key-nosale").addEventListener("click", openNoSale);
$("key-shift").addEventListener("click", openShift);

// Queued at once, before any scan can be: a scan or a card made while the page is still starting
// waits for the session and the open basket, instead of meeting no basket at all. The item field
// then takes the focus, unless the cashier is already typing in another field.
async function start() {
  await act(async () => {
    await refreshSession();
    return blocked() ? null : openBasket();
  });
  backToScan();
  refreshSuspended();
}

refreshStatus();
setInterval(refreshStatus, 1000);
setInterval(refreshSession, 5000);
start();
