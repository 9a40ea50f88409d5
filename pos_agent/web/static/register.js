// The register page: a thin client of the agent's /local/v1 API. Every figure comes from the agent.
"use strict";

const api = "/local/v1";
// The till key comes with the page (same origin); the agent refuses changes without it.
const tillKey = document.querySelector('meta[name="onecard-till-key"]').content;
let basket = null;

const $ = (id) => document.getElementById(id);
const money = (minor) => (minor < 0 ? "-" : "") + (Math.abs(minor) / 100).toFixed(2);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
const toMinor = (text) => Math.round(parseFloat(text.replace(",", ".")) * 100);

class ApiError extends Error {
  constructor(status, data) {
    super(data.detail || data.title || "request failed");
    this.status = status;
  }
}

async function call(method, path, body) {
  const headers = {"X-OneCard-Till-Key": tillKey};
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(api + path, {method, headers, body: body ? JSON.stringify(body) : undefined});
  const data = await response.json();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
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
    showError("");
    const result = await action();
    if (result && result.id) { basket = result; render(); }
    return result;
  } catch (err) {
    showError(err.message);
    return null;
  }
}

function lineRows(line) {
  const rows = [`<tr class="line" data-sku="${esc(line.sku)}"><td>${esc(line.name)}</td><td>${line.qty_milli ? (line.qty_milli / 1000).toFixed(3) + " kg" : line.qty}</td>` +
    `<td class="num">${money(line.unit_price)}</td><td class="num line-total">${money(line.total)}</td></tr>`];
  if (line.member_unit_price !== null) {
    rows.push(`<tr><td colspan="4" class="member-price">Member price ${money(line.member_unit_price)}</td></tr>`);
  }
  for (const d of line.discounts) {
    rows.push(`<tr><td colspan="3" class="discount">${esc(d.label)}</td><td class="num discount">-${money(d.amount)}</td></tr>`);
  }
  return rows.join("");
}

function renderMember(member) {
  if (!member) return "No member card";
  const age = member.data_age_seconds === null ? "" : ` · data ${Math.round(member.data_age_seconds / 60)} min old`;
  const who = member.source === "unknown" ? "card not known to this till (points on sync)" : `${member.name} · ${member.tier}`;
  return `Card ${member.card_number} · ${who} · ${member.available} points available${age}`;
}

function render() {
  const b = basket;
  $("lines").innerHTML = b.lines.map(lineRows).join("");
  $("member").textContent = renderMember(b.member);
  $("subtotal").textContent = money(b.subtotal);
  $("savings").textContent = money(b.discount_total);
  $("total").textContent = money(b.total);
  $("redeemed").textContent = `${b.points.redeemed} (${money(b.points.redeemed_value)})`;
  $("paid").textContent = money(b.paid);
  $("due").textContent = money(b.due);
  $("change").textContent = money(b.change);
  const earned = $("points-earned");
  earned.textContent = b.points.pending ? `${b.points.to_earn} (pending)` : String(b.points.to_earn);
  earned.className = b.points.pending ? "pending" : "";
  $("rejected-coupons").textContent = b.coupons.rejected.map((c) => `Coupon ${c.code}: ${c.reason}`).join("; ");
  if (b.receipt_text) $("receipt").textContent = b.receipt_text;
}

async function newSale() {
  $("receipt").textContent = "";
  await act(() => call("POST", "/baskets"));
  $("scan").focus();
}

async function resumeSale() {
  // The open basket survives a page reload and an agent restart: show it rather than start another.
  // A GET opens nothing, so with no basket open (404) the page opens one.
  await act(async () => {
    try {
      return await call("GET", "/baskets/current");
    } catch (err) {
      if (err.status === 404) return call("POST", "/baskets");
      throw err;
    }
  });
  $("scan").focus();
}

async function refreshStatus() {
  try {
    const s = await fetch(api + "/status").then((r) => r.json());
    const mode = $("mode");
    mode.textContent = s.mode.toUpperCase();
    mode.className = "mode " + s.mode;
    $("till").textContent = `Store ${s.store} · Till ${s.terminal}`;
    $("data-age").textContent = s.data_age_seconds === null ? "no data yet" : `data ${Math.round(s.data_age_seconds / 60)} min old`;
    const j = s.journal;
    $("journal-state").textContent = `to send ${j.pending + j.retry}` + (j.rejected ? ` · REJECTED ${j.rejected}` : "");
    renderDevices(s.devices, s.device_health);
  } catch (err) {
    $("mode").textContent = "AGENT DOWN";
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
    act(() => call("GET", `/baskets/${health.basket_id}`));
  }
  deviceChanges = health.changes;
}

$("reprint").addEventListener("click", () => act(async () => {
  const result = await call("POST", "/receipts/reprint");
  const failed = result.results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`receipt ${failed[0].receipt_id} still not printed: ${failed[0].detail}`);
  refreshStatus();
}));

function onSubmit(formId, handler) {
  $(formId).addEventListener("submit", (event) => { event.preventDefault(); handler(); });
}

onSubmit("scan-form", async () => {
  const code = $("scan").value.trim();
  if (!code) return;
  // Clear only what was sent: a scanner may already have typed the next code meanwhile.
  if (await act(() => call("POST", `/baskets/${basket.id}/items`, {code})) && $("scan").value.trim() === code) {
    $("scan").value = "";
  }
  $("scan").focus();
});
onSubmit("card-form", async () => {
  if (await act(() => call("POST", `/baskets/${basket.id}/member`, {card_number: $("card").value.trim()}))) $("card").value = "";
});
onSubmit("coupon-form", () => act(() => call("POST", `/baskets/${basket.id}/coupons`, {code: $("coupon").value.trim()})));
onSubmit("points-form", () => act(() => call("POST", `/baskets/${basket.id}/redemption`, {points: parseInt($("points").value, 10)})));

function tender(kind) {
  const text = $("tender-amount").value.trim();
  const body = text ? {kind, amount_minor: toMinor(text)} : {kind};
  return act(() => call("POST", `/baskets/${basket.id}/tenders`, body)).then(() => { $("tender-amount").value = ""; });
}
onSubmit("tender-form", () => tender("cash"));
$("pay-card").addEventListener("click", () => tender("card"));
$("complete").addEventListener("click", () => act(() => call("POST", `/baskets/${basket.id}/complete`)));
$("cancel").addEventListener("click", () => act(() => call("POST", `/baskets/${basket.id}/cancel`)));
$("new-sale").addEventListener("click", newSale);

refreshStatus();
setInterval(refreshStatus, 1000);
resumeSale();
