import { describe, expect, it } from 'vitest';
import { kafkajsLogCreator } from '../src/connection/kafkajs-logger.js';
import { logLevel } from '../src/kafkajs.js';
import { createLogger } from '@demo-kafka/app-kit';

interface LogLine {
  readonly level: number;
  readonly msg: string;
}

/** kafkajs' log function, writing through the app's logger (at trace) into `lines`. */
function kafkajsLog(
  lines: LogLine[],
): (level: number, message: string, extra?: Record<string, unknown>) => void {
  const logger = createLogger('t', 'trace', {
    write: (line: string) => void lines.push(JSON.parse(line) as LogLine),
  });
  const log = kafkajsLogCreator(logger)(logLevel.INFO);
  return (level, message, extra = {}) =>
    log({
      namespace: 'Consumer',
      level,
      label: 'ERROR',
      log: { timestamp: '', message, ...extra },
    });
}

const [DEBUG, WARN, ERROR] = [20, 40, 50];

describe('kafkajs log lines in the app log', () => {
  it("keeps a consumer's crash-and-restart out of the error level: the app's CRASH listener reports it", () => {
    const lines: LogLine[] = [];
    const log = kafkajsLog(lines);
    log(
      logLevel.ERROR,
      "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests",
      { groupId: 'g', retryCount: 0, stack: 'at ...' },
    );
    log(logLevel.ERROR, 'Restarting the consumer in 300ms', {
      retryCount: 0,
      retryTime: 300,
      groupId: 'g',
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [
        DEBUG,
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests",
      ],
      [DEBUG, 'Restarting the consumer in 300ms'],
    ]);
  });

  it('keeps its other errors and warnings at their levels', () => {
    const lines: LogLine[] = [];
    const log = kafkajsLog(lines);
    log(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list');
    log(logLevel.WARN, 'The group is rebalancing, re-joining');
    expect(lines.map((line) => line.level)).toEqual([ERROR, WARN]);
  });
});
