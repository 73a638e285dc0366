/** Shape of an i18n domain entry in Next's config; declared so route code typed against Next compiles. */
export interface DomainLocale {
  defaultLocale: string;
  domain: string;
  http?: true;
  locales?: readonly string[];
}

// WHATWG URL canonicalises every IPv4 form (`127.1`, `0x7f.0.0.1`, ...) to dotted decimal.
const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Parses once and reports loopback hosts as `localhost`, the way Next shows them to handlers. */
function parseURL(input: string | URL, base?: string | URL): URL {
  const url = new URL(input, base);
  const hostname = url.hostname;
  if (hostname === '[::1]' || LOOPBACK_IPV4.test(hostname)) url.hostname = 'localhost';
  return url;
}

function endsWithSlash(pathname: string): boolean {
  return pathname !== '/' && pathname.endsWith('/');
}

function stripTrailingSlash(path: string): string {
  return endsWithSlash(path) ? path.slice(0, -1) : path;
}

/** The part of Next's config a NextURL reads here: no i18n, and `basePath` is the Express mount path. */
export interface NextURLOptions {
  base?: string | URL;
  nextConfig?: { basePath?: string };
}

/** Next's `pathHasPrefix`: the prefix is whole path segments. */
function hasPathPrefix(pathname: string, prefix: string): boolean {
  return pathname === prefix || (pathname.startsWith(prefix) && pathname.charCodeAt(prefix.length) === 47 /* / */);
}

/**
 * `next/server`'s NextURL without i18n: a WHATWG URL plus `basePath`, `buildId` and locale fields.
 * With a `nextConfig.basePath` (the mount path, for requests the library builds), a URL under it
 * reads as Next reads it: `pathname` without the base path, which `basePath` holds and `href` keeps.
 */
export class NextURL {
  private _url!: URL;
  private _basePath = '';
  private _buildId: string | undefined = undefined;
  // Next records the trailing-slash style of the URL it parsed and applies it to `href` even after
  // `pathname` is reassigned (`/a` then `pathname = '/b/'` gives an href ending in `/b`).
  private _trailingSlash = false;
  private _options: NextURLOptions | undefined;

  constructor(input: string | URL, baseOrOptions?: string | URL | NextURLOptions, options?: NextURLOptions) {
    let base: string | URL | undefined;
    if (typeof baseOrOptions === 'string' || baseOrOptions instanceof URL) {
      base = baseOrOptions;
      this._options = options;
    } else {
      this._options = baseOrOptions ?? options;
      base = this._options?.base;
    }
    this.analyze(parseURL(input, base));
  }

  /** Takes a freshly parsed URL apart as Next does: trailing-slash style, then the configured base path. */
  private analyze(url: URL): void {
    this._url = url;
    this._trailingSlash = endsWithSlash(url.pathname);
    this._basePath = '';
    this._buildId = undefined;
    const basePath = this._options?.nextConfig?.basePath;
    if (basePath && hasPathPrefix(url.pathname, basePath)) {
      url.pathname = url.pathname.slice(basePath.length) || '/';
      this._basePath = basePath;
    }
  }

  get href(): string {
    const url = this._url;
    // Like Next, credentials are not part of href.
    return `${url.protocol}//${url.host}${this.formatPathname()}${url.search}${url.hash}`;
  }

  set href(value: string) {
    // Re-analysing a new URL resets the Next-specific parts, as in Next (a configured base path is found again).
    this.analyze(parseURL(value));
  }

  get origin(): string {
    return this._url.origin;
  }

  get protocol(): string {
    return this._url.protocol;
  }
  set protocol(value: string) {
    this._url.protocol = value;
  }

  get username(): string {
    return this._url.username;
  }
  set username(value: string) {
    this._url.username = value;
  }

  get password(): string {
    return this._url.password;
  }
  set password(value: string) {
    this._url.password = value;
  }

  get host(): string {
    return this._url.host;
  }
  set host(value: string) {
    this._url.host = value;
  }

  get hostname(): string {
    return this._url.hostname;
  }
  set hostname(value: string) {
    this._url.hostname = value;
  }

  get port(): string {
    return this._url.port;
  }
  set port(value: string) {
    this._url.port = value;
  }

  /** The path without basePath (and without the `_next/data` wrapping a buildId adds to href). */
  get pathname(): string {
    return this._url.pathname;
  }
  set pathname(value: string) {
    this._url.pathname = value;
  }

  get search(): string {
    return this._url.search;
  }
  set search(value: string) {
    this._url.search = value;
  }

  /** Live: mutations show up in `search` and `href`. */
  get searchParams(): URLSearchParams {
    return this._url.searchParams;
  }

  get hash(): string {
    return this._url.hash;
  }
  set hash(value: string) {
    this._url.hash = value;
  }

  get basePath(): string {
    return this._basePath;
  }
  set basePath(value: string) {
    // Next would turn '' into '/' (and then produce `//path` hrefs); treat '' as "no basePath" instead.
    this._basePath = value === '' || value.startsWith('/') ? value : `/${value}`;
  }

  get buildId(): string | undefined {
    return this._buildId;
  }
  set buildId(value: string | undefined) {
    this._buildId = value;
  }

  get locale(): string {
    return '';
  }
  set locale(value: string) {
    // No i18n config exists, so (as in Next) no locale can ever be assigned, not even ''.
    throw new TypeError(`The NextURL configuration includes no locale "${value}"`);
  }

  get defaultLocale(): string | undefined {
    return undefined;
  }

  get domainLocale(): DomainLocale | undefined {
    return undefined;
  }

  toString(): string {
    return this.href;
  }

  toJSON(): string {
    return this.href;
  }

  clone(): NextURL {
    const copy = new NextURL(this._url);
    copy._options = this._options;
    copy._basePath = this._basePath;
    copy._buildId = this._buildId;
    copy._trailingSlash = this._trailingSlash;
    return copy;
  }

  private formatPathname(): string {
    const buildId = this._buildId;
    const trailingSlash = this._trailingSlash && !buildId;
    let path = this._url.pathname;
    if (!trailingSlash) path = stripTrailingSlash(path);
    if (buildId) {
      path = `/_next/data/${buildId}${path}${this._url.pathname === '/' ? 'index.json' : '.json'}`;
    }
    if (this._basePath && path.startsWith('/')) path = this._basePath + path;
    if (!trailingSlash) return stripTrailingSlash(path);
    return path.endsWith('/') ? path : `${path}/`;
  }
}
