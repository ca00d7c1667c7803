import type { Request, Response } from 'express';

/**
 * Who a request is, for quotas: the verified token's subject when access tokens are on, else the
 * peer's address. Behind a NodePort with `externalTrafficPolicy: Cluster` many users can share a
 * node's address; tokens tell them apart.
 */
export function clientKeyOf(req: Request, res: Response): string {
  const subject = res.locals.principal?.subject;
  return subject !== undefined ? `sub:${subject}` : `addr:${req.socket.remoteAddress ?? ''}`;
}
