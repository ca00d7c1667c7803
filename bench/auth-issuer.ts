/**
 * A tiny OpenID issuer for the bench's `auth` section, in the bench's own process: an HTTP server on
 * 127.0.0.1 (the apps allow http to loopback only) that serves the discovery document
 * (`/.well-known/openid-configuration`, whose `issuer` is exactly the URL the apps are given) and
 * the key set of one ES256 key made with jose, and signs access tokens with that key. The apps
 * fetch its keys once and keep them, and remember a verified token until it expires, so it answers
 * a handful of requests a run and is never under load.
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** Both scopes the apps ask for by default: one token posts and reads. */
export const BENCH_SCOPE = 'messages:read messages:write';

export interface AuthIssuer {
  /** The issuer's URL, as AUTH_ISSUER takes it: `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** The audience its tokens carry, as AUTH_AUDIENCE takes it. */
  readonly audience: string;
  /** A token valid for an hour: iss, aud, sub, iat, exp, and `scope`. */
  sign(options?: { subject?: string; scope?: string }): Promise<string>;
  /** The requests it answered, by path (discovery and key-set fetches). */
  requests(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

const DISCOVERY = '/.well-known/openid-configuration';
const JWKS = '/jwks';

/** Starts the issuer on a free port of 127.0.0.1, with a fresh ES256 key. */
export async function startAuthIssuer(audience = 'demo-kafka-bench'): Promise<AuthIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }],
  });
  const counts: Record<string, number> = {};
  let discovery = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counts[path] = (counts[path] ?? 0) + 1;
    const body = path === DISCOVERY ? discovery : path === JWKS ? jwks : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the bench issuer has no port');
  const issuer = `http://127.0.0.1:${address.port}`;
  discovery = JSON.stringify({
    issuer,
    jwks_uri: `${issuer}${JWKS}`,
    id_token_signing_alg_values_supported: ['ES256'],
  });
  return {
    issuer,
    audience,
    sign: ({ subject = 'bench-client', scope = BENCH_SCOPE } = {}) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    requests: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
