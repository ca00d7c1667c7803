import type { ClientRequest } from 'node:http';
import request from 'supertest';
import type { Response } from 'superagent';
import { OpenApiContract } from './openapi-contract.js';

type App = Parameters<typeof request>[0];
type Test = ReturnType<ReturnType<typeof request>['get']>;
/** supertest's request builder, with every answer held to the app's OpenAPI document. */
export type ContractRequest = Record<
  'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options',
  (url: string) => Test
> & { readonly contract: OpenApiContract };

/** The exchange a supertest response records, as the contract judges it. */
function exchangeOf(res: Response): Parameters<OpenApiContract['check']>[0] {
  // superagent's node Request keeps the ClientRequest it sent as `req` (not in its types).
  const sent = (res.request as unknown as { req?: ClientRequest }).req;
  const url = new URL(res.request.url);
  return {
    method: res.request.method,
    url: `${url.pathname}${url.search}`,
    requestHeaders: sent?.getHeaders() ?? {},
    status: res.status,
    responseHeaders: res.headers,
    body: typeof res.text === 'string' ? res.text : '',
  };
}

/**
 * `request(app)`, except that every request first fetches the app's own `/openapi.json` (once)
 * and every answer must conform to it: a status, header or body it does not allow fails the test.
 */
export async function contractRequest(app: App): Promise<ContractRequest> {
  const served = await request(app).get('/openapi.json');
  if (served.status !== 200) throw new Error(`GET /openapi.json answered ${served.status}`);
  const contract = new OpenApiContract(JSON.parse(served.text) as Record<string, unknown>);
  const checked =
    (method: keyof Omit<ContractRequest, 'contract'>) =>
    (url: string): Test =>
      request(app)
        [method](url)
        .expect((res: Response | undefined) => {
          if (res) contract.assert(exchangeOf(res));
        });
  return {
    contract,
    get: checked('get'),
    post: checked('post'),
    put: checked('put'),
    delete: checked('delete'),
    patch: checked('patch'),
    head: checked('head'),
    options: checked('options'),
  };
}
