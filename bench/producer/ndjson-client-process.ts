/**
 * One HTTP client streaming an application/x-ndjson batch over one connection, in its own process:
 * lines of `valueBytes`-byte records for `seconds`, written as fast as the producer takes them
 * (back-pressure), then the body ends and the remaining answers are awaited.
 * Usage: ndjson-client-process.ts <url> <seconds> <valueBytes>; prints
 * `{ records, errors, seconds, recordsPerSecond, cpuSeconds }` as JSON (records: answer lines
 * that are acks; seconds: from the first byte sent to the last answer).
 */
import { request } from 'node:http';

const [url = '', seconds = '5', valueBytes = '100'] = process.argv.slice(2);
// 100 lines a write: a chunk of about 12 KB, as a client piping a file would send.
const LINES_PER_WRITE = 100;
const line = `${JSON.stringify({ value: 'x'.repeat(Number(valueBytes)) })}\n`;
const chunk = line.repeat(LINES_PER_WRITE);

const cpu = process.cpuUsage();
const started = performance.now();
const deadline = started + Number(seconds) * 1000;
const result = await new Promise<{ records: number; errors: number }>((resolve, reject) => {
  const req = request(`${url}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
  req.on('error', reject);
  req.on('response', (res) => {
    let records = 0;
    let errors = 0;
    let rest = '';
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      rest += text;
      let newline = rest.indexOf('\n');
      let from = 0;
      while (newline !== -1) {
        // An ack starts with {"topic"; an error line with {"line".
        if (rest.startsWith('{"topic"', from)) records++;
        else errors++;
        from = newline + 1;
        newline = rest.indexOf('\n', from);
      }
      rest = rest.slice(from);
    });
    res.on('end', () => resolve({ records, errors }));
    res.on('error', reject);
  });
  const write = (): void => {
    while (performance.now() < deadline) {
      if (!req.write(chunk)) {
        req.once('drain', write);
        return;
      }
    }
    req.end();
  };
  write();
});
const elapsed = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    ...result,
    seconds: elapsed,
    recordsPerSecond: result.records / elapsed,
    cpuSeconds: (used.user + used.system) / 1e6,
  }),
);
