import { startLocalOidcIssuer } from '../../scripts/local-oidc-issuer.js';

/** A real OpenID provider (oidc-provider) on loopback, issuing JWT access tokens by the client-credentials grant. */
export interface OidcIssuer {
  /** Its issuer URL: AUTH_ISSUER. */
  readonly issuer: string;
  /** The audience of its access tokens: AUTH_AUDIENCE. */
  readonly audience: string;
  /**
   * A token for `scope` (space-separated; '' for none), lasting `ttlSeconds`, for client `client`
   * ('demo-client', or 'demo-writer', whose tokens name it as their subject).
   */
  token(scope: string, options?: { ttlSeconds?: number; client?: string }): Promise<string>;
  close(): Promise<void>;
}

/** The settings that turn an app's token checks on against `issuer`. */
export function tokenSettings(issuer: OidcIssuer): { AUTH_ISSUER: string; AUTH_AUDIENCE: string } {
  return { AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience };
}

/**
 * Starts the issuer (scripts/local-oidc-issuer.ts, which `npm run demo -- --auth` runs too): tokens
 * for `audience` (an absolute URI, as resource indicators are), 300 s unless asked otherwise.
 */
export function startOidcIssuer(audience = 'urn:demo-kafka:messages'): Promise<OidcIssuer> {
  return startLocalOidcIssuer({
    audience,
    clients: ['demo-client', 'demo-writer'],
    tokenTtlSeconds: 300,
  });
}
