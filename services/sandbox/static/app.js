// The sandbox chat: act as a person on WhatsApp, watch the bot answer live.
const $ = (id) => document.getElementById(id);
const saved = JSON.parse(localStorage.getItem("sandbox-person") || "{}");
for (const key of ["phone", "name", "channel"]) if (saved[key]) $(key).value = saved[key];

let stream = null;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// WhatsApp formatting: *bold*, _italic_, ~strike~, links.
function format(text) {
  return escapeHtml(text || "")
    .replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1" target="_blank" rel="noopener">$1</a>')
    .replace(/\*([^*\n]+)\*/g, "<b>$1</b>")
    .replace(/(^|\s)_([^_\n]+)_/g, "$1<i>$2</i>")
    .replace(/~([^~\n]+)~/g, "<s>$1</s>");
}

function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function ticks(status) {
  if (status === "read") return '<span class="ticks read" title="read">✓✓</span>';
  if (status === "delivered") return '<span class="ticks" title="delivered">✓✓</span>';
  return '<span class="ticks" title="' + escapeHtml(status || "sent") + '">✓</span>';
}

// What can be tapped, by message sid: the reply buttons, list rows and link of each.
let controls = {};

// Below a bubble, as WhatsApp draws them: reply buttons, the button that opens a list,
// or a link button. The fakes give every channel the same shape (sandbox/interactive.py).
function control(m) {
  const c = m.interactive;
  if (!c) return "";
  const sid = escapeHtml(m.sid);
  if (c.type === "buttons") {
    return '<div class="controls">' + c.options.map((o, i) =>
      `<button type="button" class="reply" data-testid="reply-button" data-sid="${sid}" data-index="${i}">` +
      `${escapeHtml(o.title)}</button>`).join("") + "</div>";
  }
  if (c.type === "list") {
    return `<div class="controls"><button type="button" class="reply" data-testid="list-open" data-sid="${sid}">` +
      `☰ ${escapeHtml(c.button)}</button></div>`;
  }
  return `<div class="controls"><a class="reply" data-testid="link-button" href="${escapeHtml(c.url)}" ` +
    `target="_blank" rel="noopener">↗ ${escapeHtml(c.options[0].title)}</a></div>`;
}

// A file (Meta names it; Twilio's fetch found a PDF, or the link ends in .pdf) shows as a file.
function isDocument(m, url, i) {
  return Boolean(m.filename) || (m.media_types || [])[i] === "application/pdf" ||
    new URL(url, location.href).pathname.endsWith(".pdf");
}

function render(data) {
  const chat = $("chat");
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  controls = {};
  for (const m of data.messages) if (m.interactive) controls[m.sid] = m.interactive;
  chat.innerHTML = data.messages.map((m) => {
    const images = (m.media_urls || []).map((url, i) => isDocument(m, url, i)
      ? `<a class="file" href="${escapeHtml(url)}" target="_blank" rel="noopener">📎 ${escapeHtml(m.filename || "portrait.pdf")}</a>`
      : `<img src="${escapeHtml(url)}" alt="photo">`).join("");
    const status = m.direction === "out" ? ticks(m.status) : "";
    return `<li class="bubble ${m.direction}" data-testid="message-${m.direction}">${images}${format(m.body)}` +
      `<span class="meta">${clock(m.time)}${status}</span>${control(m)}</li>`;
  }).join("");
  if (atBottom) chat.scrollTop = chat.scrollHeight;
  $("events").innerHTML = data.events.slice().reverse().map((e) =>
    `<li><b>${escapeHtml(e.topic)}</b> · ${clock(e.time)}<code>${escapeHtml(e.summary)}</code></li>`).join("");
}

function connect() {
  const person = { phone: $("phone").value.trim(), name: $("name").value.trim(), channel: $("channel").value };
  localStorage.setItem("sandbox-person", JSON.stringify(person));
  $("who").textContent = `you are ${person.phone} on ${person.channel}`;
  if (stream) stream.close();
  stream = new EventSource("/sandbox/stream?phone=" + encodeURIComponent(person.phone));
  stream.onmessage = (event) => render(JSON.parse(event.data));
}

// A list opens as a sheet over the chat; a row tapped is the person's answer.
function openList(sid) {
  const list = controls[sid];
  $("sheet-title").textContent = list.button;
  $("sheet-rows").innerHTML = list.options.map((o, i) =>
    `<li><button type="button" data-testid="list-row" data-sid="${escapeHtml(sid)}" data-index="${i}">` +
    `<b>${escapeHtml(o.title)}</b>${o.description ? `<small>${escapeHtml(o.description)}</small>` : ""}</button></li>`).join("");
  $("sheet").hidden = false;
}

async function tap(sid, index) {
  const c = controls[sid];
  const option = c.options[index];
  $("sheet").hidden = true;
  await send("", [], { id: option.id, title: option.title, kind: c.type === "list" ? "list" : "button" });
}

async function send(text, files, choice = null) {
  const media = await Promise.all(files.map((file) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ content_type: file.type || "image/jpeg", data_base64: reader.result.split(",")[1] });
    reader.onerror = reject;
    reader.readAsDataURL(file);
  })));
  const channel = $("channel").value;
  const response = await fetch(`/sandbox/${channel}/inbound`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ phone: $("phone").value.trim(), profile_name: $("name").value.trim(), text, media, choice }),
  });
  if (!response.ok) alert("The sandbox could not deliver that: " + (await response.text()));
}

$("person").addEventListener("submit", (event) => { event.preventDefault(); connect(); });
$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) return;
  $("text").value = "";
  await send(text, []);
});
$("files").addEventListener("change", async () => {
  const files = Array.from($("files").files);
  $("files").value = "";
  if (files.length) await send("", files);
});
$("samples").addEventListener("click", async () => {
  const { samples } = await (await fetch("/sandbox/samples")).json();
  const files = await Promise.all(samples.slice(0, 8).map(async (url, i) => {
    const blob = await (await fetch(url)).blob();
    return new File([blob], `sample-${i + 1}.jpg`, { type: "image/jpeg" });
  }));
  await send("", files);
});
$("chat").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-sid]");
  if (button && button.dataset.testid === "list-open") openList(button.dataset.sid);
  else if (button) tap(button.dataset.sid, Number(button.dataset.index));
  if (event.target.tagName === "IMG") {
    $("lightbox").querySelector("img").src = event.target.src;
    $("lightbox").hidden = false;
  }
});
$("lightbox").addEventListener("click", () => { $("lightbox").hidden = true; });
$("sheet").addEventListener("click", (event) => {
  const row = event.target.closest("button[data-sid]");
  if (row) tap(row.dataset.sid, Number(row.dataset.index));
  else if (event.target === $("sheet") || event.target.id === "sheet-close") $("sheet").hidden = true;
});
connect();
