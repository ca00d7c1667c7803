import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign, type CampaignResult } from './faults/campaign.js';
import { violations } from './faults/checker.js';
import { canPartition, chainOf } from './faults/loopback-partition.js';
import { faultTable, summaryTable } from './faults/report.js';
import { newSeed } from './faults/seeded-random.js';
import { testLogger } from './support/test-logger.js';

/** FAULTS_SEED replays a schedule; otherwise each run draws a new one and prints its seed. */
const SEED = process.env.FAULTS_SEED === undefined ? newSeed() : Number(process.env.FAULTS_SEED);

// The long campaign is `npm run faults -- --minutes 20`; this short one keeps `npm test` under its budget.
describe(`a short fault campaign on three brokers (seed ${SEED}; replay with FAULTS_SEED=${SEED})`, () => {
  let result: CampaignResult | undefined;

  afterAll(() => {
    // Whatever happened, no firewall rule of this run is left behind (another run may have its own).
    if (canPartition())
      expect(execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })).not.toContain(
        chainOf(process.pid),
      );
  });

  it('three single-broker faults and one two-down window: every acknowledgement and every delivery checked', async () => {
    result = await runCampaign({
      seed: SEED,
      faults: 3,
      schedule: { holdMs: [5_000, 9_000], healMs: [2_000, 4_000] },
      // Three JVM restarts in a row: the cluster-failover test has its own rolling restart.
      without: ['rolling-restart'],
      appLogger: testLogger,
    });
    console.log(`[faults] seed ${SEED}\n${summaryTable(result)}\n\n${faultTable(result)}`);
    expect(violations(result.check)).toEqual([]);
    // The workload did run through the faults, and the two-down window did refuse POSTs.
    expect(result.faults).toHaveLength(4);
    expect(result.check.acked).toBeGreaterThan(500);
    expect(result.check.unavailableTwoDown).toBeGreaterThan(0);
  }, 600_000);
});
