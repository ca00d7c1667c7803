import type { CampaignResult } from './campaign.js';
import type { FaultWindow } from './nemesis.js';

/** The p-th percentile (0-100) of `values` (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Stream lags (ms) of records acknowledged while a single-broker fault was in force (from its start until whole again). */
export function lagsDuringSingleBrokerFaults(result: CampaignResult): number[] {
  const single = result.faults.filter((f) => f.kind !== 'two-down');
  return result.check.lags
    .filter((l) => single.some((f) => l.ackAt >= f.from && l.ackAt <= f.wholeAt))
    .map((l) => l.ms);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The campaign's summary as a Markdown table (the one docs/faults.md shows). */
export function summaryTable(result: CampaignResult): string {
  const c = result.check;
  const lags = c.lags.map((l) => l.ms);
  const faulted = lagsDuringSingleBrokerFaults(result);
  const kinds = new Map<string, number>();
  for (const f of result.faults) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const stream = c.stream.reduce(
    (sum, s) => ({
      missing: sum.missing + s.missing,
      repeated: sum.repeated + s.repeated,
      outOfOrder: sum.outOfOrder + s.outOfOrder,
      gap: sum.gap + s.missingCoveredByGap,
    }),
    { missing: 0, repeated: 0, outOfOrder: 0, gap: 0 },
  );
  const rows: Array<[string, string]> = [
    ['seed', String(result.seed)],
    ['duration', `${((result.endedAt - result.startedAt) / 60_000).toFixed(1)} min`],
    ['faults', `${result.faults.length} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`],
    ['POSTs', String(c.posts)],
    ...(c.values < c.posts || c.neverAcknowledged.length > 0
      ? ([
          [
            'values posted, retried with their Idempotency-Key until 200',
            `${c.values} (never acknowledged: ${c.neverAcknowledged.length})`,
          ],
        ] as Array<[string, string]>)
      : []),
    ['acknowledged (200)', String(c.acked)],
    [
      '503',
      `${c.unavailable} (two brokers down: ${c.unavailableTwoDown}; after the whole produce timeout: ${c.unavailableTimedOut}; earlier, a majority standing: ${c.unavailableEarly.length}; of all 503s, written anyway: ${c.unavailableWritten})`,
    ],
    ['other answers or hangs', String(c.other.length)],
    [
      'requests whose connection failed before an answer (client side)',
      `${c.connectionErrors.length}${c.connectionErrors.length > 0 ? ` (${[...new Set(c.connectionErrors.map((p) => p.error))].join(', ')}; ${c.connectionErrors.filter((p) => c.writtenValues.has(p.value)).length} written)` : ''}`,
    ],
    ['lost or not at the named offset', String(c.lostOrMisplaced.length)],
    ['duplicated in the topic', String(c.duplicated.length)],
    ['keys on more than one partition', String(c.keysSplit.length)],
    ['200 while two brokers were down', String(c.okWhileTwoDown.length)],
    [
      `SSE deliveries (${c.stream.length} clients, ${c.stream.reduce((n, s) => n + s.connections, 0)} connections): missing / repeated / out of order / covered by a gap event`,
      `${stream.missing} / ${stream.repeated} / ${stream.outOfOrder} / ${stream.gap}`,
    ],
    [
      'stream lag, whole run: p50 / p99 / max',
      `${seconds(percentile(lags, 50))} / ${seconds(percentile(lags, 99))} / ${seconds(largest(lags))}`,
    ],
    [
      'stream lag, single-broker faults: p50 / p99 / max',
      `${seconds(percentile(faulted, 50))} / ${seconds(percentile(faulted, 99))} / ${seconds(largest(faulted))}`,
    ],
    [
      'POST latency, 200s: p50 / p99 / max',
      (() => {
        const ms = result.posts.filter((p) => p.status === 200).map((p) => p.ms);
        return `${seconds(percentile(ms, 50))} / ${seconds(percentile(ms, 99))} / ${seconds(largest(ms))}`;
      })(),
    ],
  ];
  return ['| | |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** One line per fault: what, which node, how long, and the stream lag while it lasted. */
export function faultTable(result: CampaignResult): string {
  const lines = result.faults.map((f: FaultWindow, i) => {
    const lags = result.check.lags
      .filter((l) => l.ackAt >= f.from && l.ackAt <= f.wholeAt)
      .map((l) => l.ms);
    const posts = result.posts.filter((p) => p.startedAt >= f.from && p.startedAt <= f.wholeAt);
    return `| ${i + 1} | ${f.kind} | ${f.nodes.join('+')} | ${seconds(f.healedAt - f.from)} | ${seconds(f.wholeAt - f.healedAt)} | ${posts.length} | ${posts.filter((p) => p.status === 503).length} | ${seconds(largest(posts.map((p) => p.ms)))} | ${seconds(percentile(lags, 99))} | ${seconds(largest(lags))} |`;
  });
  return [
    '| # | fault | node | held | to whole and ready | POSTs | 503 | slowest POST | stream lag p99 | max |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
  ].join('\n');
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * The timeline as an SVG: POST latency (top; 503s in red) and stream lag (bottom) over time, with
 * the faults shaded and named. Written as text: a few hundred elements need no library.
 */
export function timelineSvg(result: CampaignResult): string {
  const width = 1200;
  const panel = 220;
  const left = 60;
  const top = 30;
  const gap = 50;
  const span = Math.max(1, result.endedAt - result.startedAt);
  const x = (t: number): number => left + ((t - result.startedAt) / span) * (width - left - 20);
  const yMax = Math.max(result.produceTimeoutMs * 1.5, 1000);
  // Drawn inside the panel: a lag can be slightly negative (the stream delivered the record before
  // its POST's answer reached the client), and anything over yMax sits on the top edge.
  const y = (ms: number, base: number): number =>
    base + panel - (Math.min(Math.max(ms, 0), yMax) / yMax) * panel;
  const colors: Record<string, string> = {
    kill: '#f4a3a3',
    freeze: '#a3c8f4',
    'cut-clients': '#f4d6a3',
    'cut-peers': '#d6a3f4',
    'kill-controller': '#f4a3d6',
    'rolling-restart': '#a3f4c8',
    'two-down': '#c0c0c0',
  };
  const parts: string[] = [];
  const panels = [
    { title: 'POST latency (s); red: 503', base: top },
    { title: 'stream lag, acknowledgement to SSE delivery (s)', base: top + panel + gap },
  ];
  for (const f of result.faults) {
    for (const p of panels)
      parts.push(
        `<rect x="${x(f.from).toFixed(1)}" y="${p.base}" width="${Math.max(1, x(f.wholeAt) - x(f.from)).toFixed(1)}" height="${panel}" fill="${colors[f.kind] ?? '#ddd'}" opacity="0.55"/>`,
      );
    parts.push(
      `<text x="${x(f.from).toFixed(1)}" y="${top - 6}" font-size="10" transform="rotate(-20 ${x(f.from).toFixed(1)} ${top - 6})">${escapeXml(`${f.kind} ${f.nodes.join('+')}`)}</text>`,
    );
  }
  for (const p of panels) {
    parts.push(
      `<rect x="${left}" y="${p.base}" width="${width - left - 20}" height="${panel}" fill="none" stroke="#444"/>`,
    );
    parts.push(
      `<text x="${left}" y="${p.base + panel + 14}" font-size="11">${escapeXml(p.title)}</text>`,
    );
    for (let s = 0; s <= yMax / 1000; s += 5)
      parts.push(
        `<text x="${left - 6}" y="${y(s * 1000, p.base) + 4}" font-size="10" text-anchor="end">${s}</text><line x1="${left}" x2="${width - 20}" y1="${y(s * 1000, p.base)}" y2="${y(s * 1000, p.base)}" stroke="#ccc" stroke-width="0.5"/>`,
      );
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(result.produceTimeoutMs, p.base)}" y2="${y(result.produceTimeoutMs, p.base)}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
  }
  const bottomPanel = panels[1]?.base ?? 0;
  const axisY = bottomPanel + panel + 30;
  for (let m = 0; m <= span / 60_000; m += span > 600_000 ? 2 : span > 180_000 ? 1 : 0.5) {
    parts.push(
      `<text x="${x(result.startedAt + m * 60_000).toFixed(1)}" y="${axisY}" font-size="10" text-anchor="middle">${m} min</text>`,
    );
  }
  // At most ~4,000 dots per panel: every n-th POST and lag sample, but every 503 and every maximum.
  const every = <T>(items: readonly T[]): T[] =>
    items.filter((_, i) => i % Math.max(1, Math.ceil(items.length / 4000)) === 0);
  const ok = result.posts.filter((p) => p.status === 200);
  for (const p of every(ok))
    parts.push(
      `<circle cx="${x(p.startedAt).toFixed(1)}" cy="${y(p.ms, top).toFixed(1)}" r="1.2" fill="#2a6fb0"/>`,
    );
  for (const p of result.posts.filter((q) => q.status !== 200))
    parts.push(
      `<circle cx="${x(p.startedAt).toFixed(1)}" cy="${y(p.ms, top).toFixed(1)}" r="1.6" fill="#d02020"/>`,
    );
  const lags = [...result.check.lags].sort((a, b) => a.ackAt - b.ackAt);
  for (const l of every(lags))
    parts.push(
      `<circle cx="${x(l.ackAt).toFixed(1)}" cy="${y(l.ms, bottomPanel).toFixed(1)}" r="1.2" fill="#2a8a3a"/>`,
    );
  const worst = lags.reduce((a, b) => (b.ms > a.ms ? b : a), { ackAt: result.startedAt, ms: 0 });
  parts.push(
    `<circle cx="${x(worst.ackAt).toFixed(1)}" cy="${y(worst.ms, bottomPanel).toFixed(1)}" r="3" fill="none" stroke="#000"/>`,
  );
  const height = axisY + 30;
  const legend = Object.entries(colors).map(
    ([kind, color], i) =>
      `<rect x="${left + i * 150}" y="${height - 14}" width="10" height="10" fill="${color}"/><text x="${left + i * 150 + 14}" y="${height - 5}" font-size="10">${kind}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 10}" viewBox="0 0 ${width} ${height + 10}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    ...legend,
    `<text x="${width - 20}" y="${top - 14}" font-size="11" text-anchor="end">seed ${result.seed}; dashed: the produce timeout</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** The largest of `values`, 0 for none: a loop, as a 20-minute run has more than a spread call takes. */
export function largest(values: readonly number[]): number {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max;
}
