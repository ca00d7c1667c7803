/**
 * `npx tsx --conditions=source test/faults/leader-cut-audit-main.ts --fault cut-peers|cut-clients|kill|freeze [--controller] [--idempotency-key]`:
 * one broker's fault on a fresh three-broker cluster, audited from the producer's HTTP clients
 * (see leader-cut-audit.ts). Prints a Markdown report; exits 1 if an acknowledged record is
 * missing or misplaced or a value is in the topic twice.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  AUDIT_FAULTS,
  auditReport,
  runLeaderCutAudit,
  type AuditFault,
} from './leader-cut-audit.js';

const { values } = parseArgs({
  options: {
    fault: { type: 'string', default: 'cut-peers' },
    // The active controller is the one faulted, with a controller election on top.
    controller: { type: 'boolean', default: false },
    // Each POST with a new Idempotency-Key: its claim goes to the claims partition its key hashes to.
    'idempotency-key': { type: 'boolean', default: false },
    // The brokers' logs say why a partition stalled; by default they go with the cluster.
    'keep-brokers': { type: 'string' },
  },
});
const fault = values.fault as AuditFault;
if (!AUDIT_FAULTS.includes(fault)) {
  console.error(
    `usage: leader-cut-audit-main.ts --fault ${AUDIT_FAULTS.join('|')} [--controller] [--idempotency-key] [--keep-brokers DIR]`,
  );
  process.exit(2);
}
// Ctrl-C would skip the 'exit' hooks that heal the firewall cut and kill the broker JVMs.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const appLog = join(tmpdir(), `leader-cut-audit-${fault}-${Date.now()}-apps.log`);
console.log(`apps' log: ${appLog}`);
const result = await runLeaderCutAudit({
  fault,
  controller: values.controller,
  idempotencyKeys: values['idempotency-key'],
  appLog: pino.destination({ dest: appLog, sync: false, append: true }),
  ...(values['keep-brokers'] !== undefined ? { dataDir: values['keep-brokers'] } : {}),
});
console.log(`\n${auditReport(result)}\n`);
if (result.readBack.ackedMissingOrMisplaced.length + result.readBack.duplicated.length > 0)
  process.exitCode = 1;
