import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { canPartition, chainOf } from './faults/loopback-partition.js';
import {
  auditReport,
  runLeaderCutAudit,
  type LeaderCutAuditResult,
  type PhaseStats,
} from './faults/leader-cut-audit.js';

const phase = (result: LeaderCutAuditResult, name: PhaseStats['phase']): PhaseStats => {
  const found = result.phases.find((p) => p.phase === name);
  if (!found) throw new Error(`no ${name} phase in the audit`);
  return found;
};

// One broker of three, leading two of six partitions, cut for 10 s under 8 looping POST clients.
describe.skipIf(!canPartition())('one leader cut off: only the records bound for it wait', () => {
  afterAll(() => {
    expect(execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })).not.toContain(
      chainOf(process.pid),
    );
  });

  for (const fault of ['cut-clients', 'cut-peers'] as const) {
    it(`${fault}: POSTs for the other leaders go on at speed, and no other key waits`, async () => {
      // The audit as specified: 5 s of steady load, then a 15 s cut. The keyed records of the cut
      // leader's partitions wait until the cluster moves it (cut-peers) or for the produce
      // timeout (cut-clients) either way, so a shorter cut is mostly that wait.
      const result = await runLeaderCutAudit({
        fault,
        steadyMs: 5_000,
        holdMs: 15_000,
        afterMs: 3_000,
        appLog: pino.destination({ dest: inject('testLogFile'), sync: true, append: true }),
        log: () => {},
      });
      console.log(`[leader-cut] ${fault}\n${auditReport(result)}`);
      const before = phase(result, 'before');
      const during = phase(result, 'during');
      expect(result.readBack.ackedMissingOrMisplaced).toEqual([]);
      expect(result.readBack.duplicated).toEqual([]);
      // Before this, one stuck leader held every POST: about 1 answer a second during the cut.
      expect(during.perSecond).toBeGreaterThanOrEqual(before.perSecond / 2);
      // Records keyed to a healthy leader's partitions never wait on the cut one.
      expect(during.nonOk['keyed-other']).toEqual([]);
      // Keyless records go around it once it has been silent for the slow-leader bound (1.25 s
      // at the default produce timeout, noticed within half that): only those sent before wait.
      const keylessLate = during.nonOk.keyless.filter((p) => p.startedAt > result.faultAt + 2_500);
      expect(keylessLate).toEqual([]);
      if (fault === 'cut-peers')
        // Cut off from its peers (the controller too), the broker is fenced and its partitions
        // get new leaders, which the producer follows within the produce timeout: every POST 200.
        for (const window of [during, phase(result, 'after')])
          expect(Object.values(window.nonOk).flat()).toEqual([]);
    }, 240_000);
  }
});
