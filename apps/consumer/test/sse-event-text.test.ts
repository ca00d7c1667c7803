import { describe, expect, it } from 'vitest';
import { eventBuffer } from '../src/stream/sse-event-text.js';
import type { BufferedEvent } from '../src/stream/stream-record.js';

const event = (id: string, value: string): BufferedEvent => {
  const [partition = '0', offset = '0'] = id.split(',')[0]?.split(':') ?? [];
  return {
    topic: 't',
    partition: Number(partition),
    offset: BigInt(offset),
    key: null,
    value,
    timestamp: 0,
    id,
  };
};

/**
 * What an EventSource makes of the text (WHATWG HTML "interpreting an event stream"), enough
 * to check that each value arrives whole and unchanged.
 */
function dispatched(text: string): Array<{ type: string; data: string; lastEventId: string }> {
  const out: Array<{ type: string; data: string; lastEventId: string }> = [];
  let data = '';
  let type = '';
  let lastEventId = '';
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data !== '')
        out.push({
          type: type || 'message',
          data: data.endsWith('\n') ? data.slice(0, -1) : data,
          lastEventId,
        });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data += `${value}\n`;
    else if (field === 'event') type = value;
    else if (field === 'id') lastEventId = value;
  }
  return out;
}

describe('eventBuffer', () => {
  it('writes one record as id, data and a blank line, the value as plain text', () => {
    expect(eventBuffer([event('0:5', 'Hello')]).read()).toBe('id:0:5\ndata:Hello\n\n');
  });

  it('does not JSON-encode the value', () => {
    const text = eventBuffer([event('0:1', '{"a":"b"}'), event('0:2', 'say "hi"')]).read();
    expect(text).toBe('id:0:1\ndata:{"a":"b"}\n\nid:0:2\ndata:say "hi"\n\n');
    expect(text).not.toContain('\\"');
  });

  it('writes the multi-partition id as is', () => {
    expect(eventBuffer([event('1:0,0:41,2:7', 'x')]).read()).toBe('id:1:0,0:41,2:7\ndata:x\n\n');
  });

  it('writes each line of a value, whatever its line ending, as its own data field', () => {
    expect(eventBuffer([event('0:5', 'a\nb\r\nc')]).read()).toBe(
      'id:0:5\ndata:a\ndata:b\ndata:c\n\n',
    );
    expect(eventBuffer([event('0:6', 'a\rb')]).read()).toBe('id:0:6\ndata:a\ndata:b\n\n');
  });

  it('lets an EventSource rebuild a multi-line value (with \\n) and the right last id', () => {
    const text = eventBuffer([event('0:5', 'a\nb\r\nc'), event('1:0,0:5', 'second')]).read();
    expect(dispatched(text)).toEqual([
      { type: 'message', data: 'a\nb\nc', lastEventId: '0:5' },
      { type: 'message', data: 'second', lastEventId: '1:0,0:5' },
    ]);
  });

  it('keeps the leading spaces of every line, which an EventSource would otherwise strip one of', () => {
    const text = eventBuffer([event('0:7', '  indented\n second line\nplain')]).read();
    expect(text).toContain('data:   indented\ndata:  second line\ndata:plain\n');
    expect(dispatched(text)).toEqual([
      { type: 'message', data: '  indented\n second line\nplain', lastEventId: '0:7' },
    ]);
  });

  it('keeps blank lines inside a value from ending the event early', () => {
    const text = eventBuffer([event('0:1', 'top\n\nbottom')]).read();
    expect(text).toBe('id:0:1\ndata:top\ndata:\ndata:bottom\n\n');
    expect(dispatched(text)).toEqual([
      { type: 'message', data: 'top\n\nbottom', lastEventId: '0:1' },
    ]);
  });

  it('keeps a value that looks like SSE fields inside its data line', () => {
    const text = eventBuffer([event('0:1', 'id:9:9\nevent:gap')]).read();
    expect(dispatched(text)).toEqual([
      { type: 'message', data: 'id:9:9\nevent:gap', lastEventId: '0:1' },
    ]);
  });

  it('delivers an empty value and a trailing newline unchanged', () => {
    // One `data:` field with an empty value still dispatches; with no data field the event would vanish.
    const text = eventBuffer([event('0:1', ''), event('0:2', 'a\n')]).read();
    expect(text).toBe('id:0:1\ndata:\n\nid:0:2\ndata:a\ndata:\n\n');
    expect(dispatched(text).map((e) => e.data)).toEqual(['', 'a\n']);
  });

  it('writes events in the given order', () => {
    const text = eventBuffer([
      event('0:1', 'one'),
      event('1:0,0:1', 'two'),
      event('0:2,1:0', 'three'),
    ]).read();
    expect(dispatched(text).map((e) => e.data)).toEqual(['one', 'two', 'three']);
  });

  it('puts the gap notice first, as its own event without an id', () => {
    const text = eventBuffer([event('0:5', 'Hello')], {
      event: 'gap',
      text: 'records were lost',
    }).read();
    expect(text).toBe('event:gap\ndata:records were lost\n\nid:0:5\ndata:Hello\n\n');
    expect(dispatched(text)).toEqual([
      { type: 'gap', data: 'records were lost', lastEventId: '' },
      { type: 'message', data: 'Hello', lastEventId: '0:5' },
    ]);
  });

  it('sends the notice alone when nothing is buffered', () => {
    expect(eventBuffer([], { event: 'gap', text: 'n' }).read()).toBe('event:gap\ndata:n\n\n');
  });

  it('writes nothing for no events and no notice', () => {
    expect(eventBuffer([]).read()).toBe('');
  });
});
