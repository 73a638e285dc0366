// `next/headers` inside route handlers: the current request's headers and cookies, and draft mode.
import { awaitable, currentStore, mutableCookiesOf, staticBailout, type RequestStore } from '../context/request-store';
import { RequestCookies, type ResponseCookies } from './cookies';
import { readonlyHeaders, readonlyRequestCookies, ReadonlyRequestCookiesError } from './readonly';

/** Router headers Next.js keeps out of `headers()`. */
const internalHeaders = ['rsc', 'next-router-state-tree', 'next-router-prefetch', 'next-hmr-refresh', 'next-router-segment-prefetch', 'x-nextjs-request-id', 'x-nextjs-html-request-id'];
const headersMethods = ['get', 'has', 'set', 'append', 'delete', 'forEach', 'entries', 'keys', 'values', 'getSetCookie', Symbol.iterator] as const;
const cookiesMethods = ['get', 'getAll', 'has', 'set', 'delete', 'clear', 'toString', 'size', Symbol.iterator] as const;

const headersCache = new WeakMap<RequestStore, Headers>();

/** A read-only copy of the request headers. */
export function headers(): Promise<Headers> & Headers {
  const store = currentStore('headers');
  if (store.mode === 'error') throw staticBailout(store, 'headers');
  let view = headersCache.get(store);
  if (!view) {
    const copy = new Headers(store.request.headers);
    for (const name of internalHeaders) copy.delete(name);
    view = readonlyHeaders(copy);
    headersCache.set(store, view);
  }
  return awaitable<Headers>(view, headersMethods);
}

/**
 * The request's cookies as Next gives them to a route handler: its mutable cookie store, a ResponseCookies
 * seeded with the request's cookies (so `get()` gives `{ name, value, path: '/' }`, and there is no `size`,
 * iterator or `clear()`). `set()`/`delete()` become Set-Cookie headers on the response (the response's own
 * cookie wins for the same name). Under `dynamic = 'force-static'`: empty and read-only.
 */
export function cookies(): Promise<ReadonlyRequestCookies> & ReadonlyRequestCookies {
  const store = currentStore('cookies');
  if (store.mode === 'error') throw staticBailout(store, 'cookies');
  const jar = store.mode === 'force-static' ? readonlyRequestCookies(new RequestCookies(new Headers())) : writableCookies(store);
  return awaitable(jar as ReadonlyRequestCookies, cookiesMethods);
}

/** Next's type for what `cookies()` resolves to: read like RequestCookies, written like ResponseCookies. */
export type ReadonlyRequestCookies = Omit<RequestCookies, 'set' | 'clear' | 'delete'> & Pick<ResponseCookies, 'set' | 'delete'>;

const writableCookiesCache = new WeakMap<RequestStore, ResponseCookies>();

/**
 * The request's cookie store, whose `set`/`delete` throw Next's error once the response is on its way
 * (e.g. inside `after()`), when cookies can no longer reach it. A Proxy, as in Next, so that everything
 * else (JSON, `instanceof`, the missing `size`) is the store's own; draftMode() writes to the store directly.
 */
function writableCookies(store: RequestStore): ResponseCookies {
  let jar = writableCookiesCache.get(store);
  if (jar) return jar;
  jar = new Proxy(mutableCookiesOf(store), {
    get(target, property) {
      if (property === 'set' || property === 'delete') {
        return (...args: unknown[]) => {
          if (store.res.headersSent) throw new ReadonlyRequestCookiesError();
          Reflect.apply(target[property], target, args);
          return jar;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the store, as in Next, so `const { get } = await cookies()` works too.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  writableCookiesCache.set(store, jar);
  return jar;
}

const PRERENDER_BYPASS = '__prerender_bypass';

export interface DraftMode {
  readonly isEnabled: boolean;
  enable(): void;
  disable(): void;
}

/** Draft mode: a cookie that makes requests bypass the static cache. */
export function draftMode(): Promise<DraftMode> & DraftMode {
  const store = currentStore('draftMode');
  const state = {
    get isEnabled(): boolean {
      const set = store.mutableCookies?.get(PRERENDER_BYPASS);
      if (set) return set.value === store.draftModeId;
      return store.request.cookies.get(PRERENDER_BYPASS)?.value === store.draftModeId;
    },
    enable(): void {
      mutableCookiesOf(store).set({ name: PRERENDER_BYPASS, value: store.draftModeId, path: '/', secure: true, httpOnly: true, sameSite: 'none' });
    },
    disable(): void {
      mutableCookiesOf(store).set({ name: PRERENDER_BYPASS, value: '', path: '/', secure: true, httpOnly: true, sameSite: 'none', expires: new Date(0) });
    },
  };
  return awaitable(state, ['isEnabled', 'enable', 'disable']);
}
