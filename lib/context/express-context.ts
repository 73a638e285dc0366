import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { currentStore } from './request-store';

/**
 * The Express `req`/`res` of the handler call in progress, for code on its way from Express:
 * `req.user` from passport, `req.session`, `res.locals`. Route files that use it no longer run
 * unchanged under Next.js, so keep it at the edges.
 */
export function expressContext(): { req: ExpressRequest; res: ExpressResponse } {
  const { req, res } = currentStore('expressContext');
  return { req, res };
}
