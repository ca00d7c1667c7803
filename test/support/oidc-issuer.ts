import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** The scopes the test issuer grants for the apps' audience. */
const SCOPES = 'messages:read messages:write';

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

/** Starts the issuer: tokens for `audience` (an absolute URI, as resource indicators are). */
export async function startOidcIssuer(audience = 'urn:demo-kafka:messages'): Promise<OidcIssuer> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `test-${randomUUID()}`,
    alg: 'ES256',
    use: 'sig',
  };
  const secret = randomUUID();
  const clients = ['demo-client', 'demo-writer'];
  let ttl = 300;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((client_id) => ({
      client_id,
      client_secret: secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES,
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [signingKey] },
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPES,
          audience,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    audience,
    async token(scope, options = {}) {
      ttl = options.ttlSeconds ?? 300;
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource: audience });
      if (scope) body.set('scope', scope);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${options.client ?? 'demo-client'}:${secret}`).toString('base64')}`,
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
          `the test issuer refused a token: ${answer.error}: ${answer.error_description}`,
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
