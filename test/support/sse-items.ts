/** One Server-Sent Event as its fields, as an OpenAPI `itemSchema` of `text/event-stream` describes it. */
export interface SseItem {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/**
 * The complete events of a stream (ended by a blank line) with only the fields each one wrote:
 * several `data:` lines joined by newlines, comments dropped, and blocks without data (the
 * `retry:` hint, keep-alives) left out, as an EventSource dispatches nothing for them.
 */
export function parseSseItems(raw: string): SseItem[] {
  const items: SseItem[] = [];
  const blocks = raw.replace(/\r\n?/g, '\n').split('\n\n');
  blocks.pop(); // not complete until a blank line follows it
  for (const block of blocks) {
    const data: string[] = [];
    const item: Partial<SseItem> = {};
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'id') item.id = value;
      else if (field === 'event') item.event = value;
      else if (field === 'retry' && /^\d+$/.test(value)) item.retry = Number(value);
    }
    if (data.length > 0) items.push({ ...item, data: data.join('\n') });
  }
  return items;
}
