import { describe, expect, it, vi } from 'vitest';
import { assertFixesApplied, KafkajsFixesMissingError } from '../src/fixes/assert-fixes-applied.js';
import { applyKafkajsFixes, KAFKAJS_FIXES } from '../src/fixes/kafkajs-fixes.js';

const allBut = (...names: string[]): Map<string, boolean> =>
  new Map(KAFKAJS_FIXES.map((fix) => [fix.name, !names.includes(fix.name)]));

describe('assertFixesApplied', () => {
  it('passes silently when every fix applied, as it does when kafkajs is loaded through this package', () => {
    const logger = { warn: vi.fn() };
    expect([...applyKafkajsFixes().values()].every(Boolean)).toBe(true);
    assertFixesApplied(logger);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('refuses a missing correctness fix, by name', () => {
    const logger = { warn: vi.fn() };
    expect(() =>
      assertFixesApplied(logger, allBut('connection-buffer-on-reconnect', 'record-encoder')),
    ).toThrow(KafkajsFixesMissingError);
    expect(() => assertFixesApplied(logger, allBut('unreachable-broker-isolation'))).toThrow(
      /unreachable-broker-isolation/,
    );
  });

  it('only warns for a missing speed fix', () => {
    const logger = { warn: vi.fn() };
    assertFixesApplied(logger, allBut('record-encoder', 'request-queue-timer-loop'));
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({
      fixes: ['record-encoder', 'request-queue-timer-loop'],
    });
  });

  it('lists every fix once, each kind named', () => {
    expect(new Set(KAFKAJS_FIXES.map((fix) => fix.name)).size).toBe(KAFKAJS_FIXES.length);
    expect(
      KAFKAJS_FIXES.filter((fix) => fix.kind === 'correctness').map((fix) => fix.name),
    ).toEqual([
      'send-messages-retry-overlap',
      'undecodable-batch-skip',
      'connection-buffer-on-reconnect',
      'unreachable-broker-isolation',
      'metadata-from-answering-brokers',
      'metadata-leader-epochs',
      'follow-moved-leaders',
    ]);
  });
});
