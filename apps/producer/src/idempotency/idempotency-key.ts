import { HttpProblem } from '@demo-kafka/app-kit';

/** The request header (IETF httpapi "The Idempotency-Key HTTP Header Field"). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** The record header that carries it, so the topic itself says what was written under which key. */
export const IDEMPOTENCY_RECORD_HEADER = 'idempotency-key';
/** Longest key accepted (UUIDs and ULIDs are far shorter). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The key of a request, or undefined without the header. The draft sends it as a structured
 * field string (`"…"`); a bare token, as most clients send it, is taken as it is.
 */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const key =
    trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
      ? trimmed.slice(1, -1)
      : trimmed;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key))
    throw new HttpProblem(
      400,
      'Bad Request',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (a UUID, for example)`,
    );
  return key;
}
