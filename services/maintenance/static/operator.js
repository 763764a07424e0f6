// The operator's page: reads the operator API with the token typed in (kept for this tab
// only), refreshes every few seconds, and writes every value as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
let token = sessionStorage.getItem("operator-token") || "";
let selected = null; // the order whose timeline is open
let notice = ""; // what the last action did, shown until the next one

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${token}` },
  });
  if (response.status === 401) throw new Error("the token was refused");
  if (!response.ok) throw new Error(`${options.method || "GET"} ${path} answered ${response.status}`);
  return response.status === 204 ? null : response.json();
}

function ago(iso) {
  const minutes = Math.max(0, (Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 90) return `${Math.round(minutes)} min ago`;
  return `${(minutes / 60).toFixed(1)} h ago`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function fill(tbody, items, draw, empty) {
  tbody.replaceChildren();
  if (!items.length) {
    const row = tbody.insertRow();
    row.className = "empty";
    const td = cell(row, empty);
    td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
    return;
  }
  for (const item of items) draw(tbody.insertRow(), item);
}

function orderRow(row, order, testid) {
  row.className = "order";
  row.dataset.testid = testid;
  row.dataset.order = order.order_id;
  row.addEventListener("click", () => openTimeline(order.order_id));
  cell(row, order.order_id, "mono");
  cell(row, order.user);
  cell(row, order.stage);
  cell(row, ago(order.stage_at));
}

async function openTimeline(orderId) {
  selected = orderId;
  const order = await api(`/orders/${encodeURIComponent(orderId)}`);
  $("timeline-panel").hidden = false;
  $("timeline-order").textContent = `${order.order_id} · ${order.stage}`;
  const list = $("timeline");
  list.replaceChildren();
  for (const event of order.timeline) {
    const item = document.createElement("li");
    item.dataset.testid = "timeline-event";
    item.textContent = `${event.topic} · from ${event.source} · ${new Date(event.at).toLocaleTimeString()}`;
    list.append(item);
  }
}

function letterRow(row, letter) {
  row.dataset.testid = "letter-row";
  row.dataset.letter = letter.id;
  cell(row, letter.topic, "mono");
  cell(row, letter.payload.order_id || "—", "mono");
  cell(row, letter.status);
  cell(row, String(letter.failures));
  cell(row, ago(letter.received_at));
  const actions = row.insertCell();
  const replay = document.createElement("button");
  replay.className = "act";
  replay.dataset.testid = "replay";
  replay.textContent = "Replay";
  replay.addEventListener("click", () => act(`/deadletters/${letter.id}/replay`, "POST", "replayed"));
  const discard = document.createElement("button");
  discard.className = "act danger";
  discard.dataset.testid = "discard";
  discard.textContent = "Discard";
  discard.addEventListener("click", () => {
    if (confirm(`Discard the dead letter on ${letter.topic}? It cannot be replayed after.`)) {
      act(`/deadletters/${letter.id}`, "DELETE", "discarded");
    }
  });
  actions.append(replay, discard);
}

async function act(path, method, done) {
  notice = "";
  try {
    await api(path, { method });
    notice = `Dead letter ${done}.`;
    await refresh();
  } catch (error) {
    say(error.message, true);
  }
}

function counts(run) {
  return Object.entries(run.counts || {})
    .map(([service, numbers]) => `${service}: ${Object.entries(numbers).map(([k, v]) => `${k} ${v}`).join(", ")}`)
    .join(" · ") || "—";
}

async function refresh() {
  if (!token) {
    say("Type the operator token to connect.");
    return;
  }
  try {
    const stage = $("stage").value;
    const [stuck, orders, letters, runs] = await Promise.all([
      api("/orders/stuck"),
      api(`/orders?limit=50${stage ? `&stage=${encodeURIComponent(stage)}` : ""}`),
      api("/deadletters"),
      api("/runs?limit=15"),
    ]);
    $("stuck-count").textContent = `(${stuck.orders.length})`;
    fill($("stuck-rows"), stuck.orders, (row, order) => {
      orderRow(row, order, "stuck-row");
      cell(row, order.why, "why");
    }, "Nothing stuck.");
    fill($("order-rows"), orders.orders, (row, order) => {
      orderRow(row, order, "order-row");
      cell(row, order.expected ? `${order.images ?? 0} of ${order.expected}` : "—");
    }, "No orders at this stage.");
    const open = letters.deadletters.filter((letter) => letter.status !== "replayed");
    $("letter-count").textContent = `(${open.length} to look at)`;
    fill($("letter-rows"), letters.deadletters, letterRow, "No dead letters.");
    fill($("run-rows"), runs.runs, (row, run) => {
      row.dataset.testid = "run-row";
      cell(row, run.job);
      cell(row, ago(run.started_at));
      cell(row, run.ended_at ? ago(run.ended_at) : "running");
      cell(row, counts(run), "mono");
    }, "No runs yet.");
    if (selected) await openTimeline(selected);
    const connected = `Connected · ${new Date().toLocaleTimeString()}`;
    say(notice ? `${notice} · ${connected}` : connected);
  } catch (error) {
    say(error.message, true);
  }
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("operator-token", token);
  notice = "";
  refresh();
});
$("stage").addEventListener("change", () => {
  notice = "";
  refresh();
});
refresh();
setInterval(refresh, REFRESH_MS);
