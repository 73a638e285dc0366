import { EventEmitter } from 'node:events';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { RouteHandler } from '../dispatch/methods';
import { paramsArgument } from '../dispatch/params';
import { FORCE_STATIC_ORIGIN } from '../http/static-request';
import type { LoadedRoute } from '../load/load-app';
import { pathFor } from '../load/static-params';
import { NextRequest } from '../next/request';
import type { RouteTable } from '../routing/route-table';
import type { StaticCache } from './static-cache';

/**
 * `prerender`: generates every static route (and each path `generateStaticParams` lists)
 * before `ready` resolves, as `next build` does, with Next's build-time request: a GET of
 * `http://localhost:3000<mount>/<path>` without headers, `mount` being its basePath. The entries
 * are those requests under that mount path find. Routes that turn out dynamic are left alone.
 */
export async function prerenderRoutes(table: RouteTable<LoadedRoute>, cache: StaticCache, mount: string, warn: (message: string) => void): Promise<void> {
  for (const { value: route, segments } of table.routes) {
    const handler = route.methods.handlers.GET;
    if (!route.staticPolicy || typeof handler !== 'function') continue;
    const paramsList = route.dynamic ? (route.staticParams ?? []) : [undefined];
    for (const params of paramsList) {
      const pathname = pathFor(segments, params ?? {});
      const { req, res } = buildTimeExchange(mount, pathname);
      const call = {
        context: route.context,
        handler: handler as RouteHandler,
        request: new NextRequest(FORCE_STATIC_ORIGIN + mount + pathname, mount ? { nextConfig: { basePath: mount } } : {}),
        params: params && paramsArgument(params),
        req,
        res,
        url: mount + pathname,
      };
      const outcome = await cache.prerender(call, route.staticPolicy, pathname, mount);
      // after() callbacks of the generation run now, as they do at build time.
      res.finish();
      if (outcome !== 'cached') warn(`prerender: ${mount + pathname} (${route.context.file}) was not cached.`);
    }
  }
}

/** What the handler call sees of Express during a build-time generation: no client, nothing sent. */
function buildTimeExchange(mount: string, pathname: string): { req: ExpressRequest; res: ExpressResponse & { finish(): void } } {
  const req = { method: 'GET', headers: {}, url: pathname, originalUrl: mount + pathname, baseUrl: mount } as unknown as ExpressRequest;
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    destroyed: false,
    writableFinished: false,
    locals: {},
    finish(this: EventEmitter & { writableFinished: boolean }) {
      this.writableFinished = true;
      this.emit('finish');
    },
  });
  return { req, res: res as unknown as ExpressResponse & { finish(): void } };
}
