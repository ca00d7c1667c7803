import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { principalOf, type Principal } from './principal.js';
import { classifyVerificationError } from './token-errors.js';

/** Asymmetric algorithms only: no `none`, and no HMAC a public key could be used as the secret of. */
const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** Clock skew allowed on `exp` and `nbf` (seconds). */
const CLOCK_TOLERANCE_S = 10;
/** Tokens verified and remembered until they expire: a client reuses its token for many requests. */
const MAX_REMEMBERED_TOKENS = 10_000;

export interface VerifierOptions {
  readonly keys: JWTVerifyGetKey;
  /** Checked against `iss` when given. */
  readonly issuer?: string | undefined;
  readonly audience: string;
}

/** Verifies bearer access tokens (RFC 9068 JWTs, or Kubernetes service-account tokens). */
export interface AccessTokenVerifier {
  /** The token's principal; throws TokenRejectedError or IssuerUnavailableError. */
  verify(token: string): Promise<Principal>;
}

/**
 * A verifier that checks the signature against the issuer's keys and `iss`, `aud`, `exp`, `nbf`,
 * and requires `sub` and `exp`. A token seen before and not yet expired is answered from memory:
 * verifying a signature costs more than the rest of a POST.
 */
export function createAccessTokenVerifier(options: VerifierOptions): AccessTokenVerifier {
  const remembered = new Map<string, Principal>();
  return {
    async verify(token) {
      const known = remembered.get(token);
      if (known && known.expiresAt + CLOCK_TOLERANCE_S * 1000 > Date.now()) return known;
      if (known) remembered.delete(token);
      let principal: Principal;
      try {
        const { payload } = await jwtVerify(token, options.keys, {
          algorithms: ACCEPTED_ALGORITHMS,
          audience: options.audience,
          ...(options.issuer ? { issuer: options.issuer } : {}),
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'exp'],
        });
        principal = principalOf(payload);
      } catch (error) {
        throw classifyVerificationError(error);
      }
      // The oldest go first (Map keeps insertion order).
      if (remembered.size >= MAX_REMEMBERED_TOKENS) {
        const oldest = remembered.keys().next().value;
        if (oldest !== undefined) remembered.delete(oldest);
      }
      remembered.set(token, principal);
      return principal;
    },
  };
}
