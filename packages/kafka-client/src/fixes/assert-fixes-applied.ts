import { applyKafkajsFixes, KAFKAJS_FIXES, type KafkajsFix } from './kafkajs-fixes.js';
import { FIXED_KAFKAJS_VERSION, installedKafkajsVersion } from './kafkajs-version.js';

/** The apps cannot keep their promises with this kafkajs: a correctness fix did not apply. */
export class KafkajsFixesMissingError extends Error {
  override readonly name = 'KafkajsFixesMissingError';

  constructor(
    readonly missing: readonly string[],
    readonly reason: string,
  ) {
    super(
      `kafkajs fixes not applied: ${missing.join(', ')} (${reason}); see packages/kafka-client/FIXES.md`,
    );
  }
}

/** What the start-up log is told: a speed fix that did not apply is said, not fatal. */
export interface FixesLogger {
  warn(fields: object, message: string): void;
}

/** Why fixes did not apply: the version, or kafkajs loaded before this package could fix it. */
function whyMissing(): string {
  const installed = installedKafkajsVersion();
  if (installed !== FIXED_KAFKAJS_VERSION)
    return `kafkajs ${installed} is installed; the fixes were written against ${FIXED_KAFKAJS_VERSION}`;
  return 'kafkajs was loaded before @demo-kafka/kafka-client: import it only through that package';
}

/**
 * Applies the fixes if not yet done and refuses to go on without every correctness fix (the
 * producer's retries are duplicate-free only with them); a missing speed fix is logged at warn.
 */
export function assertFixesApplied(
  logger: FixesLogger,
  outcome: ReadonlyMap<string, boolean> = applyKafkajsFixes(),
): void {
  const missing = (kind: KafkajsFix['kind']): string[] =>
    KAFKAJS_FIXES.filter((fix) => fix.kind === kind && outcome.get(fix.name) !== true).map(
      (fix) => fix.name,
    );
  const correctness = missing('correctness');
  if (correctness.length > 0) throw new KafkajsFixesMissingError(correctness, whyMissing());
  const speed = missing('speed');
  if (speed.length > 0)
    logger.warn(
      { fixes: speed, reason: whyMissing() },
      'kafkajs speed fixes not applied: the apps work, at a higher CPU cost',
    );
}
