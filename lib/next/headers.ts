// `next/headers` inside route handlers: the current request's headers and cookies, and draft mode.
import { awaitable, currentStore, mutableCookiesOf, staticBailout, type RequestStore } from '../context/request-store';
import { RequestCookies, type RequestCookie, type ResponseCookie } from './cookies';
import { readonlyHeaders, readonlyRequestCookies } from './readonly';

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
 * The request cookies, with changes made here: `set()`/`delete()` become Set-Cookie headers on the
 * response (the response's own cookie wins for the same name), and later reads see them.
 */
export function cookies(): Promise<RequestCookiesView> & RequestCookiesView {
  const store = currentStore('cookies');
  if (store.mode === 'error') throw staticBailout(store, 'cookies');
  const view = store.mode === 'force-static' ? readonlyRequestCookies(new RequestCookies(new Headers())) : new MutableCookies(store);
  return awaitable(view as RequestCookiesView, cookiesMethods);
}

export interface RequestCookiesView {
  get(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>]): RequestCookie | ResponseCookie | undefined;
  getAll(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>] | []): (RequestCookie | ResponseCookie)[];
  has(name: string): boolean;
  set(...args: [name: string, value: string, cookie?: Partial<ResponseCookie>] | [options: ResponseCookie]): this;
  delete(...args: [name: string] | [options: Omit<ResponseCookie, 'value' | 'expires'>]): this;
  readonly size: number;
  toString(): string;
  [Symbol.iterator](): IterableIterator<[string, RequestCookie | ResponseCookie]>;
}

class MutableCookies implements RequestCookiesView {
  constructor(private readonly store: RequestStore) {}

  private merged(): Map<string, RequestCookie | ResponseCookie> {
    const all = new Map<string, RequestCookie | ResponseCookie>();
    for (const cookie of this.store.request.cookies.getAll()) all.set(cookie.name, cookie);
    for (const cookie of this.store.mutableCookies?.getAll() ?? []) all.set(cookie.name, cookie);
    return all;
  }

  get(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>]): RequestCookie | ResponseCookie | undefined {
    const name = typeof args[0] === 'string' ? args[0] : args[0].name;
    return this.store.mutableCookies?.get(name) ?? this.store.request.cookies.get(name);
  }

  getAll(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>] | []): (RequestCookie | ResponseCookie)[] {
    if (args.length === 0) return [...this.merged().values()];
    const cookie = this.get(...args);
    return cookie ? [cookie] : [];
  }

  has(name: string): boolean {
    return this.store.mutableCookies?.has(name) === true || this.store.request.cookies.has(name);
  }

  set(...args: [name: string, value: string, cookie?: Partial<ResponseCookie>] | [options: ResponseCookie]): this {
    this.assertWritable();
    mutableCookiesOf(this.store).set(...args);
    return this;
  }

  delete(...args: [name: string] | [options: Omit<ResponseCookie, 'value' | 'expires'>]): this {
    this.assertWritable();
    mutableCookiesOf(this.store).delete(...args);
    return this;
  }

  clear(): this {
    for (const name of this.merged().keys()) this.delete(name);
    return this;
  }

  get size(): number {
    return this.merged().size;
  }

  toString(): string {
    return [...this.merged().values()].map((cookie) => `${cookie.name}=${encodeURIComponent(cookie.value)}`).join('; ');
  }

  [Symbol.iterator](): IterableIterator<[string, RequestCookie | ResponseCookie]> {
    return this.merged()[Symbol.iterator]();
  }

  /** Once the response is on its way (e.g. inside `after()`), cookies can no longer reach it. */
  private assertWritable(): void {
    if (this.store.res.headersSent) {
      throw new Error('Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options');
    }
  }
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
