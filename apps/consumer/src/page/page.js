// The live page: EventSource on /messages (it resumes by itself with Last-Event-ID) and a form
// that posts to the producer, which is another origin (port 30776), so the producer allows CORS.
const MAX_SHOWN = 200;
const PRODUCER_NODE_PORT = 30776;

const statusEl = document.getElementById('status');
const countEl = document.getElementById('count');
const listEl = document.getElementById('messages');
const form = document.getElementById('post-form');
const input = document.getElementById('message');
const result = document.getElementById('post-result');
let received = 0;

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function show(text, id) {
  const item = document.createElement('li');
  item.textContent = text;
  const meta = document.createElement('small');
  meta.textContent = `id ${id}`;
  item.append(meta);
  listEl.prepend(item);
  while (listEl.children.length > MAX_SHOWN) listEl.lastElementChild.remove();
  countEl.textContent = String(++received);
}

const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key');
const pathEl = document.getElementById('stream-path');
let key = new URLSearchParams(location.search).get('key') ?? '';
keyInput.value = key;
const withKey = (path) => (key ? `${path}?key=${encodeURIComponent(key)}` : path);

// One stream at a time: a new key replaces it (the server filters, so ids stay topic positions).
let stream;
function openStream() {
  stream?.close();
  listEl.replaceChildren();
  received = 0;
  countEl.textContent = '0';
  pathEl.textContent = `GET /${withKey('messages')}`;
  setStatus('connecting', 'connecting');
  const source = new EventSource(withKey('messages'));
  source.onopen = () => setStatus('open', 'connected');
  source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'error', source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  source.onmessage = (event) => show(event.data, event.lastEventId);
  source.addEventListener('gap', (event) => show(`(${event.data})`, 'gap'));
  stream = source;
}
openStream();

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  key = keyInput.value.trim();
  history.replaceState(null, '', key ? `?key=${encodeURIComponent(key)}` : location.pathname);
  openStream();
});

async function producerUrl() {
  const config = await fetch('config.json').then((r) => r.json()).catch(() => ({}));
  const base = config.producerUrl || `${location.protocol}//${location.hostname}:${PRODUCER_NODE_PORT}`;
  return new URL('messages', base.endsWith('/') ? base : `${base}/`).toString();
}
const target = producerUrl();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text) return;
  result.textContent = 'sending…';
  try {
    const response = await fetch(withKey(await target), { method: 'POST', body: text, headers: { 'Content-Type': 'text/plain', Accept: 'application/json' } });
    if (response.ok) {
      const ack = await response.json();
      result.textContent = `written to ${ack.topic} partition ${ack.partition} offset ${ack.offset}`;
      input.value = '';
    } else {
      const problem = await response.json().catch(() => ({}));
      result.textContent = `not sent: ${problem.detail || problem.title || response.status}`;
    }
  } catch (error) {
    result.textContent = `not sent: the producer at ${await target} cannot be reached (${error.message})`;
  }
});
