/** Why the local broker could not be started or stopped, with what to do about it. */
export class LocalKafkaError extends Error {
  override readonly name = 'LocalKafkaError';

  constructor(
    message: string,
    /** The broker's log file, when the broker got far enough to write one. */
    readonly logFile?: string,
  ) {
    super(logFile ? `${message} (broker log: ${logFile})` : message);
  }
}
