/**
 * A real OpenID provider (oidc-provider, a devDependency `npm ci` installs) on loopback, issuing JWT
 * access tokens (RFC 9068) for one audience by the client-credentials grant: what `npm run demo --
 * --auth` hands out tokens with, and what the tests take theirs from (test/support/oidc-issuer.ts).
 * It runs in the calling process, so it ends with it; close() stops it sooner.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The audience the demo's tokens are for, an absolute URI as resource indicators are (AUTH_AUDIENCE). */
export const LOCAL_AUDIENCE = 'urn:demo-kafka:messages';

/** The scopes the issuer grants for its audience: the apps' defaults (AUTH_READ_SCOPE, AUTH_WRITE_SCOPE). */
export const LOCAL_SCOPES = 'messages:read messages:write';

export interface LocalOidcIssuerOptions {
  /** The audience of its access tokens (default {@link LOCAL_AUDIENCE}). */
  readonly audience?: string;
  /** The clients that may ask for tokens, all with the same secret (default `demo-client`). */
  readonly clients?: readonly string[];
  /** How long a token lasts unless token() asks otherwise (default 300 s). */
  readonly tokenTtlSeconds?: number;
}

export interface LocalOidcIssuer {
  /** Its issuer URL, `http://127.0.0.1:<port>`: AUTH_ISSUER. */
  readonly issuer: string;
  /** Where the client-credentials grant is asked: `<issuer>/token`. */
  readonly tokenEndpoint: string;
  /** The audience of its access tokens (AUTH_AUDIENCE), also the `resource` a token request names. */
  readonly audience: string;
  /** The clients that may ask for tokens; a client's tokens name it as their subject. */
  readonly clients: readonly string[];
  /** Their secret (client_secret_basic), random for each start. */
  readonly clientSecret: string;
  /**
   * A token for `scope` (space-separated; '' for none), lasting `ttlSeconds`, for client `client`
   * (default: the first client).
   */
  token(scope: string, options?: { ttlSeconds?: number; client?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Starts the issuer on a free loopback port, with a fresh ES256 signing key and client secret. */
export async function startLocalOidcIssuer(
  options: LocalOidcIssuerOptions = {},
): Promise<LocalOidcIssuer> {
  const audience = options.audience ?? LOCAL_AUDIENCE;
  const clients = options.clients ?? ['demo-client'];
  const defaultTtl = options.tokenTtlSeconds ?? 300;
  const signingKey = {
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    kid: `local-${randomUUID()}`,
    alg: 'ES256',
    use: 'sig',
  };
  // base64url: safe to paste into a shell unquoted.
  const clientSecret = randomBytes(24).toString('base64url');
  let ttl = defaultTtl;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = await withoutProductionNotices(async () => {
    const { default: Provider } = await import('oidc-provider');
    return new Provider(issuer, {
      clients: clients.map((client_id) => ({
        client_id,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: LOCAL_SCOPES,
        id_token_signed_response_alg: 'ES256',
      })),
      jwks: { keys: [signingKey] },
      scopes: LOCAL_SCOPES.split(' '),
      ttl: { ClientCredentials: () => ttl },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: LOCAL_SCOPES,
            audience,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    });
  });
  server.on('request', provider.callback());
  const tokenEndpoint = `${issuer}/token`;
  return {
    issuer,
    tokenEndpoint,
    audience,
    clients,
    clientSecret,
    async token(scope, tokenOptions = {}) {
      ttl = tokenOptions.ttlSeconds ?? defaultTtl;
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource: audience });
      if (scope) body.set('scope', scope);
      const client = tokenOptions.client ?? clients[0] ?? '';
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${client}:${clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const answer = (await response.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!answer.access_token)
        throw new Error(
          `the local issuer refused a token: ${answer.error}: ${answer.error_description}`,
        );
      return answer.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `start` without oidc-provider's start-up notices: they tell a production deployment what to
 * change (its own store instead of memory, a Node 22+ runtime), which this loopback stand-in, gone
 * with its process, does not need; a newcomer reading the demo's output would only wonder.
 */
async function withoutProductionNotices<T>(start: () => Promise<T>): Promise<T> {
  const { warn, info } = console;
  const unlessNotice =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (!/oidc-provider (WARNING|NOTICE): /.test(String(args[0]))) write(...args);
    };
  console.warn = unlessNotice(warn);
  console.info = unlessNotice(info);
  try {
    return await start();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}
