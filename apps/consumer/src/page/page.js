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

/** `record` (a ?format=json event) adds the key and headers under the value. */
function show(text, id, record) {
  const item = document.createElement('li');
  item.textContent = text;
  const meta = document.createElement('small');
  meta.textContent = `id ${id}`;
  item.append(meta);
  if (record) item.append(details(record));
  listEl.prepend(item);
  while (listEl.children.length > MAX_SHOWN) listEl.lastElementChild.remove();
  countEl.textContent = String(++received);
}

/** The key and headers of a record, as a small definition list (text only: nothing is parsed as HTML). */
function details(record) {
  const list = document.createElement('dl');
  list.className = 'record-meta';
  const add = (name, value) => {
    const term = document.createElement('dt');
    term.textContent = name;
    const definition = document.createElement('dd');
    definition.textContent = value;
    list.append(term, definition);
  };
  add('key', record.key ?? '(none)');
  for (const [name, values] of Object.entries(record.headers))
    for (const value of values) add(name, value);
  return list;
}

const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key');
const metaInput = document.getElementById('show-meta');
const pathEl = document.getElementById('stream-path');
const params = new URLSearchParams(location.search);
let key = params.get('key') ?? '';
keyInput.value = key;
// Key and headers on demand: the stream is then ?format=json, which carries them.
let showMeta = params.get('meta') === '1';
metaInput.checked = showMeta;
const withKey = (path) => (key ? `${path}?key=${encodeURIComponent(key)}` : path);
const streamPath = () => {
  const query = new URLSearchParams();
  if (key) query.set('key', key);
  if (showMeta) query.set('format', 'json');
  const text = query.toString();
  return text ? `messages?${text}` : 'messages';
};
const pagePath = () => {
  const query = new URLSearchParams();
  if (key) query.set('key', key);
  if (showMeta) query.set('meta', '1');
  const text = query.toString();
  return text ? `?${text}` : location.pathname;
};
/** A ?format=json record's value as the list shows it: JSON as JSON text, bytes as base64. */
const textOf = (record) => {
  if (record.valueEncoding === 'base64')
    return `(not text: ${record.value.length} base64 characters) ${record.value}`;
  if (record.valueEncoding === 'json') return JSON.stringify(record.value);
  return record.value;
};

// One stream at a time: a new key replaces it (the server filters, so ids stay topic positions).
let stream;
function openStream() {
  stream?.close();
  listEl.replaceChildren();
  received = 0;
  countEl.textContent = '0';
  const path = streamPath();
  pathEl.textContent = `GET /${path}`;
  setStatus('connecting', 'connecting');
  const source = new EventSource(path);
  const json = showMeta;
  source.onopen = () => setStatus('open', 'connected');
  source.onerror = () =>
    setStatus(
      source.readyState === EventSource.CLOSED ? 'closed' : 'error',
      source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting',
    );
  source.onmessage = (event) => {
    if (!json) return show(event.data, event.lastEventId);
    const record = JSON.parse(event.data);
    show(textOf(record), event.lastEventId, record);
  };
  source.addEventListener('gap', (event) => show(`(${event.data})`, 'gap'));
  stream = source;
}
openStream();

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  key = keyInput.value.trim();
  history.replaceState(null, '', pagePath());
  openStream();
});

metaInput.addEventListener('change', () => {
  showMeta = metaInput.checked;
  history.replaceState(null, '', pagePath());
  openStream();
});

async function producerUrl() {
  const config = await fetch('config.json')
    .then((r) => r.json())
    .catch(() => ({}));
  const base =
    config.producerUrl || `${location.protocol}//${location.hostname}:${PRODUCER_NODE_PORT}`;
  return new URL('messages', base.endsWith('/') ? base : `${base}/`).toString();
}
const target = producerUrl();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text) return;
  result.textContent = 'sending…';
  try {
    const response = await fetch(withKey(await target), {
      method: 'POST',
      body: text,
      headers: { 'Content-Type': 'text/plain', Accept: 'application/json' },
    });
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
