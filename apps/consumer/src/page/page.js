// The live page: EventSource on /messages (it resumes by itself with Last-Event-ID) and a form
// that posts to the producer, which is another origin (port 30776), so the producer allows CORS.
// With access tokens on (config.json's `auth`), an EventSource cannot send the token: the page
// asks for one, keeps it in sessionStorage, and reads the stream with fetch (see tokenStream).
const MAX_SHOWN = 200;
const PRODUCER_NODE_PORT = 30776;
/** Where the tab keeps the access token (sessionStorage: this tab only, gone when it closes). */
const TOKEN_KEY = 'demo-kafka.access-token';
/** The event that says the stream ends soon, as its token expires (TOKEN_EXPIRING_EVENT). */
const TOKEN_EXPIRING = 'token-expiring';
/** The reconnect delay until the stream's `retry:` says otherwise (an EventSource's default). */
const DEFAULT_RETRY_MS = 3000;

/** config.json: where the form posts, and whether the stream needs a token (`auth`). */
const pageConfig = fetch('config.json')
  .then((r) => r.json())
  .catch(() => ({}));
/** Whether the stream needs an access token; known once config.json has come. */
let auth = false;
let configured = false;

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
  if (!configured) return; // opened once config.json has said whether a token is needed
  stream?.close();
  listEl.replaceChildren();
  received = 0;
  countEl.textContent = '0';
  const path = streamPath();
  pathEl.textContent = `GET /${path}`;
  setStatus('connecting', 'connecting');
  if (auth) {
    stream = tokenStream(path, showMeta);
    return;
  }
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
  const config = await pageConfig;
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
    const headers = { 'Content-Type': 'text/plain', Accept: 'application/json' };
    const token = auth ? storedToken() : '';
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(withKey(await target), { method: 'POST', body: text, headers });
    if (response.ok) {
      const ack = await response.json();
      result.textContent = `written to ${ack.topic} partition ${ack.partition} offset ${ack.offset}`;
      input.value = '';
    } else {
      const problem = await response.json().catch(() => ({}));
      const reason = problem.detail || problem.title || response.status;
      result.textContent = `not sent: ${reason}`;
      if (auth && (response.status === 401 || response.status === 403))
        askForToken(
          `The producer refused ${token ? 'the access token' : 'to post without a token'} (${reason}): ` +
            'paste a token with messages:write to send.',
        );
    }
  } catch (error) {
    result.textContent = `not sent: the producer at ${await target} cannot be reached (${error.message})`;
  }
});

// --- Access tokens (config.json's `auth`) ---

const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');
const tokenMessage = document.getElementById('token-message');
/** Used only where sessionStorage is not available (then the token lasts as long as the page). */
let tokenInMemory = '';

/** The tab's access token, or '' (never put in a URL, never logged). */
function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return tokenInMemory;
  }
}

function storeToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    tokenInMemory = token;
  }
}

/** Shows `text` above the token field and puts the cursor there. */
function askForToken(text) {
  tokenMessage.textContent = text;
  tokenMessage.hidden = false;
  tokenInput.focus();
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  // A pasted "Bearer ..." header value works too.
  const token = tokenInput.value.trim().replace(/^Bearer\s+/i, '');
  if (!token) return;
  storeToken(token);
  tokenInput.value = '';
  tokenInput.placeholder = 'Access token (one is set: paste another to replace it)';
  tokenMessage.hidden = true;
  tokenMessage.textContent = '';
  // The stream resumes after the last message shown, with the new token; none yet: it opens.
  if (stream?.useNewToken) stream.useNewToken();
  else openStream();
});

/**
 * Reads text/event-stream as an EventSource does (HTML, "interpreting an event stream"), from
 * the chunks of text given to `feed`: at each event's end, calls `on.lastEventId(id)` (the id to
 * resume from, which an event without data sets too), then `on.event({ type, data, lastEventId })`
 * unless it has no data; `on.retry(ms)` for a `retry:` field; comments are skipped. `lastEventId`:
 * the id so far (an event without an `id:` field keeps it, across reconnects too).
 */
function eventStreamParser(on, lastEventId = '') {
  const END_OF_LINE = /\r\n|\r|\n/g;
  let pending = '';
  let data = '';
  let type = '';
  let id = lastEventId;
  const dispatch = () => {
    on.lastEventId(id);
    const event = { type: type || 'message', data: data.slice(0, -1), lastEventId: id };
    const empty = data === '';
    data = '';
    type = '';
    if (!empty) on.event(event);
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // a comment (the keep-alives)
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data += `${value}\n`;
    else if (field === 'event') type = value;
    else if (field === 'id') {
      if (!value.includes('\0')) id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) on.retry(Number(value));
  };
  return {
    feed(text) {
      // Only the new text can end the line left over (or its last character, a CR).
      END_OF_LINE.lastIndex = Math.max(0, pending.length - 1);
      pending += text;
      let start = 0;
      for (let match = END_OF_LINE.exec(pending); match; match = END_OF_LINE.exec(pending)) {
        // A CR at the end of the text may be the first half of a CRLF: wait for what follows.
        if (match[0] === '\r' && END_OF_LINE.lastIndex === pending.length) break;
        line(pending.slice(start, match.index));
        start = END_OF_LINE.lastIndex;
      }
      pending = pending.slice(start);
    },
    /** The stream ended: a last CR ends its line; an event left without its blank line is dropped. */
    end() {
      if (pending.endsWith('\r')) line(pending.slice(0, -1));
      pending = '';
    },
  };
}

/**
 * The stream read with fetch and the access token, resumed as an EventSource resumes: after it
 * ends or fails, once the retry delay has passed, with `Last-Event-ID`, so nothing is lost or
 * shown twice. A 401 or 403 stops it until a new token is given (useNewToken), as does the end
 * that follows a `token-expiring` event.
 */
function tokenStream(path, json) {
  let lastId = '';
  let retryMs = DEFAULT_RETRY_MS;
  let closed = false;
  /** Counts connections: an older one that is still unwinding does nothing more. */
  let attempt = 0;
  let controller;
  let timer;
  /** The server said this token's stream ends soon (token-expiring). */
  let expiring = false;

  const stopForToken = (state, text) => {
    setStatus('closed', state);
    askForToken(text);
  };
  const reconnectLater = (delay = retryMs) => {
    setStatus('error', 'reconnecting');
    timer = setTimeout(connect, delay);
  };
  const onEvent = (event) => {
    if (event.type === 'message') {
      if (!json) return show(event.data, event.lastEventId);
      const record = JSON.parse(event.data);
      show(textOf(record), event.lastEventId, record);
    } else if (event.type === 'gap') show(`(${event.data})`, 'gap');
    else if (event.type === TOKEN_EXPIRING) {
      // A hint, not a message: ask for the next token while this one still works.
      expiring = true;
      const at = new Date(event.data);
      const when = Number.isNaN(at.getTime()) ? 'soon' : `at ${at.toLocaleTimeString()}`;
      askForToken(`Your access token expires ${when}: paste a new one to keep the stream going.`);
    }
  };

  async function connect() {
    timer = undefined;
    const current = ++attempt;
    const stale = () => closed || current !== attempt;
    const token = storedToken();
    if (!token)
      return stopForToken(
        'token needed',
        'This stream needs an access token with messages:read (and messages:write to send): ' +
          'paste one from your provider.',
      );
    expiring = false;
    controller = new AbortController();
    const headers = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
    // As an EventSource resumes: the last id it was sent.
    if (lastId) headers['Last-Event-ID'] = lastId;
    let response;
    try {
      response = await fetch(path, { headers, cache: 'no-store', signal: controller.signal });
    } catch {
      if (!stale()) reconnectLater();
      return;
    }
    if (stale()) return;
    if (response.status === 401 || response.status === 403) {
      const problem = await response.json().catch(() => ({}));
      if (stale()) return;
      const reason = problem.detail || problem.title || response.status;
      return stopForToken(
        'token needed',
        response.status === 401
          ? `The stream refused the access token (${reason}): paste a new one.`
          : `The access token may not read the stream (${reason}): paste one with messages:read.`,
      );
    }
    const type = response.headers.get('Content-Type') ?? '';
    if (!response.ok || !type.startsWith('text/event-stream')) {
      const problem = await response.json().catch(() => ({}));
      if (stale()) return;
      if (response.status === 503 || response.status === 429 || response.status >= 500) {
        // Full, or the issuer is out of reach: try again as told, with the same id.
        const after = Number(response.headers.get('Retry-After'));
        return reconnectLater(Math.max(retryMs, Number.isFinite(after) ? after * 1000 : 0));
      }
      setStatus('closed', 'closed');
      tokenMessage.hidden = false;
      tokenMessage.textContent = `The stream was refused: ${problem.detail || problem.title || response.status}`;
      return;
    }
    setStatus('open', 'connected');
    const parser = eventStreamParser(
      {
        lastEventId: (id) => {
          lastId = id;
        },
        event: onEvent,
        retry: (ms) => {
          retryMs = ms;
        },
      },
      lastId,
    );
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (stale()) return;
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      parser.feed(decoder.decode());
      parser.end();
    } catch {
      if (stale()) return;
    }
    // Ended (its token expired, the consumer stopped) or cut off.
    if (expiring)
      return stopForToken(
        'token expired',
        'Your access token has expired: paste a new one, and the stream goes on where it stopped.',
      );
    reconnectLater();
  }

  void connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
    /** A new token was given: go on with it now, from the last id. */
    useNewToken() {
      clearTimeout(timer);
      controller?.abort();
      setStatus('connecting', 'connecting');
      void connect();
    },
  };
}

void pageConfig.then((config) => {
  auth = config.auth === true;
  configured = true;
  if (auth) {
    tokenForm.hidden = false;
    if (storedToken())
      tokenInput.placeholder = 'Access token (one is set: paste another to replace it)';
  }
  openStream();
});
