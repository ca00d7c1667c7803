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

const stream = new EventSource('messages');
stream.onopen = () => setStatus('open', 'connected');
stream.onerror = () => setStatus(stream.readyState === EventSource.CLOSED ? 'closed' : 'error', stream.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
stream.onmessage = (event) => show(event.data, event.lastEventId);
stream.addEventListener('gap', (event) => show(`(${event.data})`, 'gap'));

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
    const response = await fetch(await target, { method: 'POST', body: text, headers: { 'Content-Type': 'text/plain', Accept: 'application/json' } });
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
