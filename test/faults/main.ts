/**
 * `npm run faults -- [--seed N] [--minutes M | --faults K] [--svg FILE]`: a fault campaign on a
 * three-broker local cluster (see docs/faults.md). Prints the seed first, then the tables, and
 * writes the timeline SVG. Exits 1 when the checker found anything wrong.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@demo-kafka/app-kit';
import { pino } from 'pino';
import { parseArgs } from 'node:util';
import { runCampaign } from './campaign.js';
import { violations } from './checker.js';
import { faultTable, summaryTable, timelineSvg } from './report.js';
import { newSeed } from './seeded-random.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    minutes: { type: 'string' },
    faults: { type: 'string' },
    svg: { type: 'string', default: 'faults-timeline.svg' },
  },
});
const seed = values.seed === undefined ? newSeed() : Number(values.seed);
const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
const faults =
  values.faults === undefined ? (minutes === undefined ? 5 : undefined) : Number(values.faults);
if (
  !Number.isInteger(seed) ||
  (minutes !== undefined && !(minutes > 0)) ||
  (faults !== undefined && !(faults >= 0))
) {
  console.error('usage: npm run faults -- [--seed N] [--minutes M | --faults K] [--svg FILE]');
  process.exit(2);
}

const appLog = join(tmpdir(), `faults-${seed}-${Date.now()}-apps.log`);
console.log(`apps' log: ${appLog}`);
const appLogger = (name: string) =>
  createLogger(name, 'info', pino.destination({ dest: appLog, sync: false, append: true }));
const result = await runCampaign({
  seed,
  appLogger,
  ...(minutes !== undefined ? { minutes } : {}),
  ...(faults !== undefined ? { faults } : {}),
});
console.log(`\n${summaryTable(result)}\n\n${faultTable(result)}\n`);
writeFileSync(values.svg, timelineSvg(result));
console.log(`timeline: ${values.svg}`);
const found = violations(result.check);
if (result.nemesisErrors.length > 0)
  console.log(
    `\nthe nemesis failed, and the run ended early:\n${result.nemesisErrors.map((e) => `- ${e}`).join('\n')}`,
  );
if (found.length > 0) {
  console.log(`\nFOUND (seed ${seed}):\n${found.map((f) => `- ${f}`).join('\n')}`);
  process.exitCode = 1;
} else {
  console.log(`\nnothing wrong found (seed ${seed})`);
}
