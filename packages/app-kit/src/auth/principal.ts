import type { JWTPayload } from 'jose';

/** Who a verified access token speaks for, and until when. */
export interface Principal {
  /** The token's `sub`: a user, a client, or `system:serviceaccount:<namespace>:<name>`. */
  readonly subject: string;
  /** From `scope` (space-separated, RFC 9068) or `scp` (a list, as some providers send it). */
  readonly scopes: ReadonlySet<string>;
  /** The token's `exp`, in ms since the epoch. */
  readonly expiresAt: number;
}

/** The principal a verified payload names (`sub` and `exp` were required by the verification). */
export function principalOf(payload: JWTPayload): Principal {
  return {
    subject: payload.sub ?? '',
    scopes: new Set(scopesOf(payload)),
    expiresAt: (payload.exp ?? 0) * 1000,
  };
}

function scopesOf(payload: JWTPayload): string[] {
  const { scope, scp } = payload;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  return [];
}
