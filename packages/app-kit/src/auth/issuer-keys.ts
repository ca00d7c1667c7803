import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { IssuerUnavailableError } from './token-errors.js';

/** Where the keys come from: the issuer's discovery document, or a JWKS URL given directly. */
export interface KeySourceOptions {
  readonly issuer?: string | undefined;
  readonly jwksUri?: string | undefined;
}

const FETCH_TIMEOUT_MS = 5000;
/** After a failed discovery, requests are answered at once (503) for this long before it is tried again. */
const DISCOVERY_RETRY_MS = 5000;
/** jose refetches the key set for an unknown `kid` at most this often: a forged kid cannot make us hammer the issuer. */
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** And refetches it anyway after this long, so keys rotated out stop being accepted. */
const KEY_SET_MAX_AGE_MS = 10 * 60_000;

/**
 * The issuer's signing keys, found by OpenID Connect discovery (`<issuer>/.well-known/openid-configuration`,
 * whose `issuer` must be the configured one) on first use, or from `jwksUri`, cached and refreshed
 * by jose. A discovery that fails is retried on a later request, not at start-up: the app starts
 * while the issuer is down, and answers 503 until it is back.
 */
export function issuerKeys(options: KeySourceOptions): JWTVerifyGetKey {
  const remote = (url: string): JWTVerifyGetKey =>
    createRemoteJWKSet(new URL(url), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: UNKNOWN_KID_COOLDOWN_MS,
      cacheMaxAge: KEY_SET_MAX_AGE_MS,
    });
  if (options.jwksUri) return remote(options.jwksUri);
  const issuer = options.issuer;
  if (!issuer) throw new Error('issuerKeys needs an issuer or a JWKS URL');
  let keys: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let failure: IssuerUnavailableError | undefined;
  return async (header, token) => {
    if (!keys) {
      if (failure && performance.now() - failedAt < DISCOVERY_RETRY_MS) throw failure;
      keys = discoverJwksUri(issuer).then(remote);
      keys.catch((error: unknown) => {
        keys = undefined;
        failedAt = performance.now();
        failure =
          error instanceof IssuerUnavailableError
            ? error
            : new IssuerUnavailableError('discovery failed', { cause: error });
      });
    }
    const getKey = await keys.catch(() => {
      throw failure ?? new IssuerUnavailableError('discovery failed');
    });
    return getKey(header, token);
  };
}

/** The `jwks_uri` of `issuer`'s discovery document (OpenID Connect Discovery 1.0, section 4). */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new IssuerUnavailableError(`${url} could not be fetched`, { cause: error });
  }
  if (!response.ok) throw new IssuerUnavailableError(`${url} answered ${response.status}`);
  const document: unknown = await response.json().catch(() => undefined);
  const fields = typeof document === 'object' && document !== null ? document : {};
  const issued = 'issuer' in fields ? fields.issuer : undefined;
  const jwksUri = 'jwks_uri' in fields ? fields.jwks_uri : undefined;
  // Section 4.3: a document naming another issuer is not this issuer's.
  if (issued !== issuer)
    throw new IssuerUnavailableError(
      `${url} names the issuer ${JSON.stringify(issued)}, not ${issuer}`,
    );
  if (typeof jwksUri !== 'string') throw new IssuerUnavailableError(`${url} has no jwks_uri`);
  return jwksUri;
}
