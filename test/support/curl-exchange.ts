import type { Exchange } from './openapi-contract.js';

/**
 * The exchange `curl -v` shows: its request (`> ` lines on stderr) and the answer's status and
 * headers (`< ` lines), with the body it wrote to stdout. Only the last response counts (curl
 * prints one per request it makes).
 */
export function curlExchange(verbose: string, body: string): Exchange {
  let method = '';
  let url = '';
  const requestHeaders: Record<string, string> = {};
  let status = 0;
  let responseHeaders: Record<string, string> = {};
  for (const line of verbose.split(/\r?\n/)) {
    const request = /^> (\S+) (\S+) HTTP\/[\d.]+$/.exec(line);
    const statusLine = /^< HTTP\/[\d.]+ (\d{3})/.exec(line);
    const header = /^([<>]) ([^:\s]+):\s*(.*)$/.exec(line);
    if (request) [, method = '', url = ''] = request;
    else if (statusLine) {
      status = Number(statusLine[1]);
      responseHeaders = {};
    } else if (header?.[1] === '>')
      requestHeaders[(header[2] ?? '').toLowerCase()] = header[3] ?? '';
    else if (header?.[1] === '<')
      responseHeaders[(header[2] ?? '').toLowerCase()] = header[3] ?? '';
  }
  if (method === '' || status === 0)
    throw new Error(`no request or response in curl's verbose output:\n${verbose}`);
  return { method, url, requestHeaders, status, responseHeaders, body };
}
