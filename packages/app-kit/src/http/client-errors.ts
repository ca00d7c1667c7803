import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import { HttpProblem, problemJson } from './problem.js';
import { newRequestId, REQUEST_ID_HEADER } from './request-id.js';

/** What Node's HTTP parser reports with a request it refuses (llhttp's code and reason). */
interface ClientError extends Error {
  readonly code?: string;
  readonly reason?: string;
}

/** A response in progress on the socket, as Node's server keeps it (`_httpMessage`, not public). */
interface InFlight {
  readonly _httpMessage?: { readonly headersSent?: boolean } | null;
}

/** Node's own status for what it refuses, as its default answer has it; anything else is a 400. */
const STATUS_OF: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'the request headers are larger than the server reads',
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    413,
    'Payload Too Large',
    'the chunk extensions are larger than the server reads',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request did not arrive in time'],
};

/**
 * Answers the requests Node's HTTP parser refuses before any app sees them (a raw non-ASCII
 * header name, a bad character in the URL, headers too large, a request too slow) as the apps
 * answer theirs: problem+json with an `X-Request-Id`, instead of Node's bare status line. As
 * Node's default does, only while nothing of a response has been written on the connection,
 * which is then closed.
 */
export function answerClientErrors(server: Server, logger?: Logger): void {
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    const inFlight = (socket as Duplex & InFlight)._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, title, detail] = STATUS_OF[error.code ?? ''] ?? [
      400,
      'Bad Request',
      `the request is not HTTP the server can read${error.reason ? ` (${error.reason})` : ''}`,
    ];
    const id = newRequestId();
    logger?.debug({ reqId: id, code: error.code, status }, 'request refused by the HTTP parser');
    const body = problemJson(new HttpProblem(status, title, detail));
    // Destroyed once written: a client that sent garbage (or nothing, on a timeout) may never close.
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${id}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    );
  });
}
