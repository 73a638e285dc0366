// Our implementation of the `@edge-runtime/cookies` API that Next.js exposes as `RequestCookies` /
// `ResponseCookies`. Public types mirror Next's so route files typed against `next/server` compile.

/** A cookie as in the Cookie Store API (`CookieListItem`). */
export interface CookieListItem {
  name: string;
  value: string;
  /** A Date, or milliseconds since the epoch. */
  expires?: number | Date | undefined;
  domain?: string | undefined;
  path?: string | undefined;
  secure?: boolean | undefined;
  sameSite?: true | false | 'lax' | 'strict' | 'none' | undefined;
  partitioned?: boolean | undefined;
}

export interface ResponseCookie extends CookieListItem {
  httpOnly?: boolean | undefined;
  maxAge?: number | undefined;
  priority?: 'low' | 'medium' | 'high' | undefined;
}

export type RequestCookie = Pick<CookieListItem, 'name' | 'value'>;

type CookieName = string | Pick<RequestCookie, 'name'>;

function nameOf(arg: CookieName): string {
  return typeof arg === 'string' ? arg : arg.name;
}

/**
 * Parses a `Cookie` request header. Pairs without `=` get the value `'true'`; a value that is not valid
 * percent-encoding is dropped (an earlier pair of the same name then survives); later duplicates win.
 */
export function parseCookieHeader(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of header.split(/; */)) {
    const eq = pair.indexOf('=');
    if (eq === -1) {
      const name = pair.trim();
      if (name) cookies.set(name, 'true');
      continue;
    }
    try {
      cookies.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1)));
    } catch {
      // Invalid percent-encoding: Next silently ignores the pair.
    }
  }
  return cookies;
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'string') return new Date(value);
  return undefined;
}

/**
 * Serialises a cookie as one `Set-Cookie` value, attributes in Next's order. Falsy attributes are left out,
 * except `Expires: 0` (the epoch) and `Max-Age`, which is written whenever it is a number (including 0).
 * `SameSite`/`Priority` are written exactly as given (`sameSite: true` gives `SameSite=true`, like Next).
 */
export function serializeCookie(cookie: ResponseCookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value ?? '')}`];
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires || cookie.expires === 0) {
    const expires = toDate(cookie.expires);
    if (expires && !Number.isNaN(expires.getTime())) parts.push(`Expires=${expires.toUTCString()}`);
  }
  if (typeof cookie.maxAge === 'number' && !Number.isNaN(cookie.maxAge)) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  if (cookie.partitioned) parts.push('Partitioned');
  if (cookie.priority) parts.push(`Priority=${cookie.priority}`);
  return parts.join('; ');
}

function decodeOrKeep(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const SAME_SITE = new Set(['strict', 'lax', 'none']);
const PRIORITY = new Set(['low', 'medium', 'high']);

/**
 * Parses one `Set-Cookie` line. Attribute names are case-insensitive and dashes are ignored (`Max-Age`,
 * `maxage`); unknown attributes, unparseable `Expires`/`Max-Age`, and `SameSite`/`Priority` values outside
 * their known sets are dropped; known values are lower-cased. The value is percent-decoded once (kept raw if
 * it is not valid percent-encoding). A first pair without `=` is read as `<name>=true`, as for the Cookie
 * header. Returns undefined for a blank line.
 */
export function parseSetCookie(line: string): ResponseCookie | undefined {
  const [pair = '', ...attributes] = line.split(';');
  if (!pair.trim()) return undefined;
  const eq = pair.indexOf('=');
  const cookie: ResponseCookie =
    eq === -1
      ? { name: pair.trim(), value: 'true' }
      : { name: pair.slice(0, eq).trim(), value: decodeOrKeep(pair.slice(eq + 1).trim()) };

  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase().replace(/-/g, '');
    const value = at === -1 ? '' : attribute.slice(at + 1).trim();
    switch (key) {
      case 'path':
        if (value) cookie.path = value;
        break;
      case 'domain':
        if (value) cookie.domain = value;
        break;
      case 'expires': {
        const date = new Date(value);
        if (value && !Number.isNaN(date.getTime())) cookie.expires = date;
        break;
      }
      case 'maxage': {
        const seconds = Number(value);
        if (value && Number.isFinite(seconds)) cookie.maxAge = seconds;
        break;
      }
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'partitioned':
        cookie.partitioned = true;
        break;
      case 'samesite': {
        const sameSite = value.toLowerCase();
        if (SAME_SITE.has(sameSite)) cookie.sameSite = sameSite as ResponseCookie['sameSite'];
        break;
      }
      case 'priority': {
        const priority = value.toLowerCase();
        if (PRIORITY.has(priority)) cookie.priority = priority as ResponseCookie['priority'];
        break;
      }
    }
  }
  return cookie;
}

/**
 * Splits a comma-joined `Set-Cookie` value into cookies. A comma only separates cookies when what follows
 * it reads `token=` before any `;` or `,`, so the comma in `Expires=Wed, 21 Oct 2015 …` does not split.
 */
export function splitSetCookieHeader(value: string): string[] {
  const cookies: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== ',') continue;
    let next = i + 1;
    while (next < value.length && /\s/.test(value[next])) next++;
    let end = next;
    while (end < value.length && value[end] !== '=' && value[end] !== ';' && value[end] !== ',') end++;
    if (value[end] === '=') {
      cookies.push(value.slice(start, i));
      start = next;
    }
    // Nothing between i and end is a comma, so scanning can resume there.
    i = end - 1;
  }
  cookies.push(value.slice(start));
  return cookies.map((cookie) => cookie.trim()).filter(Boolean);
}

/** The cookies of a request (`Cookie` header); mutations rewrite that header. */
export class RequestCookies {
  private readonly _headers: Headers;
  private _parsed: Map<string, RequestCookie> | undefined;

  constructor(requestHeaders: Headers) {
    this._headers = requestHeaders;
  }

  // Parsed on first use: most handlers never read cookies.
  private get cookies(): Map<string, RequestCookie> {
    if (!this._parsed) {
      this._parsed = new Map();
      const header = this._headers.get('cookie');
      if (header) {
        for (const [name, value] of parseCookieHeader(header)) this._parsed.set(name, { name, value });
      }
    }
    return this._parsed;
  }

  [Symbol.iterator](): IterableIterator<[string, RequestCookie]> {
    return this.cookies[Symbol.iterator]();
  }

  get size(): number {
    return this.cookies.size;
  }

  get(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>]): RequestCookie | undefined {
    return this.cookies.get(nameOf(args[0]));
  }

  getAll(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>] | []): RequestCookie[] {
    const all = [...this.cookies.values()];
    if (args[0] === undefined) return all;
    const name = nameOf(args[0]);
    return all.filter((cookie) => cookie.name === name);
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  set(...args: [name: string, value: string] | [cookie: RequestCookie]): this {
    const [name, value] = args.length === 1 ? [args[0].name, args[0].value] : args;
    this.cookies.set(name, { name, value });
    this.writeHeader();
    return this;
  }

  /** Deletes the named cookie(s); returns whether each existed. */
  delete(name: string): boolean;
  delete(names: string[]): boolean[];
  delete(names: string | string[]): boolean | boolean[];
  delete(names: string | string[]): boolean | boolean[] {
    const cookies = this.cookies;
    const result = Array.isArray(names) ? names.map((name) => cookies.delete(name)) : cookies.delete(names);
    this.writeHeader();
    return result;
  }

  clear(): this {
    this.cookies.clear();
    this.writeHeader();
    return this;
  }

  toString(): string {
    return [...this.cookies.values()].map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
  }

  private writeHeader(): void {
    this._headers.set('cookie', this.toString());
  }
}

/**
 * The cookies of a response, keyed by name only. Every mutation rewrites all `Set-Cookie` headers of the
 * underlying Headers from the map, in insertion order.
 */
export class ResponseCookies {
  private readonly _headers: Headers;
  private readonly _parsed = new Map<string, ResponseCookie>();

  constructor(responseHeaders: Headers) {
    this._headers = responseHeaders;
    // Stored as parsed (no Path=/ defaulting); they only get normalised if set() again.
    for (const line of responseHeaders.getSetCookie()) {
      const cookie = parseSetCookie(line);
      if (cookie) this._parsed.set(cookie.name, cookie);
    }
  }

  [Symbol.iterator](): IterableIterator<[string, ResponseCookie]> {
    return this._parsed[Symbol.iterator]();
  }

  get(...args: [name: string] | [cookie: Pick<ResponseCookie, 'name'>]): ResponseCookie | undefined {
    return this._parsed.get(nameOf(args[0]));
  }

  getAll(...args: [name: string] | [cookie: Pick<ResponseCookie, 'name'>] | []): ResponseCookie[] {
    const all = [...this._parsed.values()];
    if (args[0] === undefined) return all;
    const name = nameOf(args[0]);
    return all.filter((cookie) => cookie.name === name);
  }

  has(name: string): boolean {
    return this._parsed.has(name);
  }

  set(...args: [name: string, value: string, cookie?: Partial<ResponseCookie>] | [options: ResponseCookie]): this {
    const [name, value, options] = args.length === 1 ? [args[0].name, args[0].value, args[0]] : args;
    const cookie: ResponseCookie = { name, value, ...options };
    cookie.name = name;
    cookie.value = value;
    this._parsed.set(name, normalizeCookie(cookie));
    this.writeHeaders();
    return this;
  }

  /** Replaces the cookie with an expired, empty one (keeping only the given path and domain). */
  delete(...args: [name: string] | [options: Omit<ResponseCookie, 'value' | 'expires'>]): this {
    const target = typeof args[0] === 'string' ? { name: args[0] } : args[0];
    return this.set({ name: target.name, path: target.path, domain: target.domain, value: '', expires: new Date(0) });
  }

  toString(): string {
    return [...this._parsed.values()].map(serializeCookie).join('; ');
  }

  private writeHeaders(): void {
    this._headers.delete('set-cookie');
    for (const cookie of this._parsed.values()) this._headers.append('set-cookie', serializeCookie(cookie));
  }
}

function normalizeCookie(cookie: ResponseCookie): ResponseCookie {
  // Strings are not in the type but plain-JS routes pass them; Next would crash on them.
  if (typeof cookie.expires === 'number' || typeof cookie.expires === 'string') {
    cookie.expires = new Date(cookie.expires);
  }
  // A truthy maxAge wins over any given expires (maxAge 0 leaves expires alone).
  if (cookie.maxAge) cookie.expires = new Date(Date.now() + cookie.maxAge * 1000);
  if (cookie.path === undefined || cookie.path === null) cookie.path = '/';
  return cookie;
}
