// The Helix web console page. Plain browser JavaScript (no build step): it POSTs messages to
// /api/messages and renders the reply stream from /api/events (Server-Sent Events).
// Everything shown is set with textContent, never innerHTML: replies are text, not markup.

const SESSION_KEY = 'helix.sessionId';
const RETRIES = 5;

const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const statusEl = document.getElementById('status');
const errorEl = document.getElementById('error');

/** A v4 UUID; crypto.randomUUID needs a secure context, which a console on a LAN address is not. */
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sessionId() {
  let id = localStorage.getItem(SESSION_KEY);
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    id = uuid().replaceAll('-', '');
    localStorage.setItem(SESSION_KEY, id);
  }
  return id;
}
const session = sessionId();

/** Bubbles by key: `u:<eventId>` for the person's messages, `r:<replyId>` for Helix's. */
const bubbles = new Map();
/** Replies already final: a late draft never overwrites them. */
const finals = new Set();
/** Highest draft seq shown per reply (drafts can arrive out of order). */
const draftSeq = new Map();
let thinking;

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function showError(text) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
}

/** Renders text with ``` fences as <pre> blocks; everything else as plain text. */
function render(el, text) {
  el.replaceChildren();
  const pieces = text.split(/```[^\n]*\n?/);
  pieces.forEach((piece, i) => {
    if (!piece) return;
    if (i % 2 === 1) {
      const pre = document.createElement('pre');
      pre.textContent = piece.replace(/\n$/, '');
      el.append(pre);
    } else {
      el.append(document.createTextNode(piece));
    }
  });
}

function bubble(key, who) {
  let el = bubbles.get(key);
  if (!el) {
    el = document.createElement('div');
    el.className = `msg ${who}`;
    el.dataset.key = key;
    el.dataset.testid = who === 'user' ? 'user-message' : 'helix-message';
    bubbles.set(key, el);
    log.append(el);
    if (thinking && who === 'user') log.append(thinking); // keep the indicator last
  }
  return el;
}

function scrollDown() {
  log.scrollTop = log.scrollHeight;
}

function startThinking() {
  if (!thinking) {
    thinking = document.createElement('div');
    thinking.className = 'msg helix thinking';
    thinking.dataset.testid = 'thinking';
    thinking.textContent = 'Helix is thinking…';
  }
  log.append(thinking);
  scrollDown();
}

function stopThinking() {
  thinking?.remove();
}

// --- the reply stream -------------------------------------------------------------------------

const events = new EventSource(`/api/events?sessionId=${encodeURIComponent(session)}`);
events.addEventListener('open', () => setStatus('online', 'connected'));
events.addEventListener('error', () => setStatus('offline', 'reconnecting…'));
events.addEventListener('ready', () => setStatus('online', 'connected'));

events.addEventListener('user', (e) => {
  const entry = JSON.parse(e.data);
  const el = bubble(`u:${entry.eventId}`, 'user');
  el.classList.remove('pending', 'failed');
  render(el, entry.text);
  scrollDown();
});

events.addEventListener('draft', (e) => {
  const d = JSON.parse(e.data);
  if (finals.has(d.replyId) || (draftSeq.get(d.replyId) ?? 0) >= d.seq) return;
  draftSeq.set(d.replyId, d.seq);
  stopThinking();
  const el = bubble(`r:${d.replyId}`, 'helix');
  el.classList.add('draft');
  el.dataset.drafts = String(Number(el.dataset.drafts ?? 0) + 1);
  render(el, d.text);
  scrollDown();
});

events.addEventListener('final', (e) => {
  const entry = JSON.parse(e.data);
  finals.add(entry.replyId);
  stopThinking();
  const el = bubble(`r:${entry.replyId}`, 'helix');
  el.classList.remove('draft');
  el.dataset.final = 'true';
  render(el, entry.parts.join('\n\n'));
  scrollDown();
});

// --- sending ----------------------------------------------------------------------------------

async function post(message) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch('/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    } catch {
      res = undefined; // network error: retry with the same id, the server deduplicates
    }
    if (res && res.status === 202) return { ok: true };
    if (res && res.status !== 503 && res.status < 500) {
      const body = await res.json().catch(() => ({}));
      return { ok: false, message: body.message ?? `refused (${res.status})` };
    }
    if (attempt >= RETRIES) return { ok: false, message: 'Helix is unreachable right now; your message was not sent.' };
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}

async function send(text) {
  const message = { clientMessageId: uuid(), sessionId: session, text };
  const el = bubble(`u:${message.clientMessageId}`, 'user');
  el.classList.add('pending');
  render(el, text);
  startThinking();
  showError('');
  const result = await post(message);
  if (result.ok) {
    el.classList.remove('pending');
  } else {
    el.classList.replace('pending', 'failed');
    stopThinking();
    showError(result.message);
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  void send(text);
});

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});
input.focus();
