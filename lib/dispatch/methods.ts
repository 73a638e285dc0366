/** The handler exports Next.js recognises, in its order. */
export const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type RouteHandler = (request: Request, context: { params: unknown }) => unknown;

/** Marks the OPTIONS answer we give ourselves when the file exports none. */
export const AUTO_OPTIONS = Symbol('express-route-handlers.autoOptions');

export interface MethodTable {
  /** Request method → handler; HEAD falls back to GET; missing methods are absent (405). */
  handlers: Record<string, RouteHandler | typeof AUTO_OPTIONS | undefined>;
  /** Exported methods in Next's order. */
  exported: HttpMethod[];
  /** The `Allow` value for OPTIONS and 405: exports, HEAD with GET, OPTIONS, sorted. */
  allow: string;
}

/** Built once per route file at startup, so dispatch is one property lookup. */
export function methodTable(module: Record<string, unknown>): MethodTable {
  const handlers: MethodTable['handlers'] = Object.create(null);
  const exported = HTTP_METHODS.filter((method) => typeof module[method] === 'function');
  for (const method of exported) handlers[method] = module[method] as RouteHandler;
  if (!handlers.HEAD && handlers.GET) handlers.HEAD = handlers.GET;
  if (!handlers.OPTIONS) handlers.OPTIONS = AUTO_OPTIONS;
  const allowed = new Set<string>(exported);
  if (allowed.has('GET')) allowed.add('HEAD');
  allowed.add('OPTIONS');
  return { handlers, exported, allow: [...allowed].sort().join(', ') };
}
