/**
 * Property-based fault corpus: generated request paths, methods and request targets, and
 * generated responses (headers, cookies, statuses, status texts, every kind of body) built by a
 * route file from the description each request carries. For every input the client gets one
 * complete, valid HTTP answer (or, where the input says so, a connection cut after the headers),
 * the app's outcome is exactly one of response / next() / next(err) and is the one the input
 * calls for, and the harness checks after every run that nothing escaped (helpers/faults.ts).
 *
 * Runs are reproducible: the seed is fixed (FAULTS_SEED overrides it, FAULTS_RUNS the number of
 * runs) and fast-check prints seed and path of any counterexample.
 */
import http from 'node:http';
import fc from 'fast-check';
import { stringifyCookie, type ResponseCookie } from '../lib/next/cookies';
import { expressVersions } from './helpers/express';
import { expectRouteError, faultHarness, summary, type CheckOptions, type ClientResult, type FaultHarness, type FaultRecord, type RawResult } from './helpers/faults';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ODD_JSON, oddJsonValue } = require('./fixtures/faults/app/_lib/odd-json.js') as { ODD_JSON: readonly string[]; oddJsonValue(odd: string): unknown };

const seed = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : 20260601;
const numRuns = process.env.FAULTS_RUNS ? Number(process.env.FAULTS_RUNS) : 80;
const PROPERTY_TIMEOUT_MS = 120_000;

/** Shows what fast-check prints as-is (control characters, latin1) as \u escapes, to copy into a reproduction. */
function escaped(value: unknown): string {
  const json = JSON.stringify(value, (_key, item: unknown) => (item === undefined ? '<undefined>' : item)) ?? String(value);
  return json.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Runs `check` for generated inputs (after the `examples`, always run first), each run a case of
 * its own for the harness. A failure reports seed, path and the counterexample escaped.
 */
async function holds<T>(
  faults: FaultHarness,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => Promise<void>,
  options: { examples?: T[]; checkOptions?: CheckOptions } = {},
): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      faults.begin();
      await check(input);
      await faults.check(options.checkOptions);
    }),
    // A hang fails its run after CLIENT_TIMEOUT_MS; shrinking stops in time to report it.
    {
      seed,
      numRuns,
      examples: (options.examples ?? []).map((example) => [example] as [T]),
      interruptAfterTimeLimit: PROPERTY_TIMEOUT_MS - 20_000,
      markInterruptAsFailure: true,
    },
  );
  if (!details.failed) return;
  const error = new Error(`${fc.defaultReportMessage(details)}\nCounterexample, escaped: ${escaped(details.counterexample?.[0])}`);
  if (details.errorInstance instanceof Error) error.stack = `${error.message}\n${details.errorInstance.stack ?? ''}`;
  throw error;
}

// ---------------------------------------------------------------------------------------------
// What Node and undici accept, as the oracle needs it.

const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const isToken = (value: string) => value.length > 0 && [...value].every((char) => tokenChars.includes(char));
/** undici's header value normalisation: leading and trailing HTTP whitespace removed. */
const normalizeValue = (value: string) => value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
/** What undici's Headers refuses (after normalising): NUL, CR, LF, or a character beyond latin1 (ByteString). */
const undiciRefuses = (value: string) => /[\0\r\n]|[^\x00-\xff]/.test(normalizeValue(value));
/** What Node's `res.setHeader` refuses. */
const nodeRefuses = (value: string) => /[^\t\x20-\x7e\x80-\xff]/.test(value);
const hasLatin1 = (value: string) => /[\x80-\xff]/.test(value);
/** Headers the middleware drops before Node sees them. */
const dropped = (name: string) => ['content-length', 'content-encoding', 'transfer-encoding'].includes(name) || name.startsWith('x-middleware-');

const controls = [...'\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f'];
/** Strings mixing printable ASCII with control characters, NUL/CR/LF/tab, latin1 above 0x7f and beyond latin1. */
const oddString = (maxParts = 6) =>
  fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
        { weight: 2, arbitrary: fc.constantFrom(...controls) },
        { weight: 1, arbitrary: fc.constantFrom('\0', '\r', '\n', '\r\n', '\t', ' ') },
        { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)) },
        { weight: 1, arbitrary: fc.constantFrom('€', '😀', '\u0100', '\ud800') },
      ),
      { maxLength: maxParts },
    )
    .map((parts) => parts.join(''));

const routeFile = (faults: FaultHarness) => faults.file('respond/route.ts');

/** POSTs a response description to the route that builds it. */
async function respond(faults: FaultHarness, spec: unknown): Promise<{ result: ClientResult; record: FaultRecord }> {
  const { result, record } = await faults.request({ method: 'POST', path: '/respond', body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
  if (!record) throw new Error(`the app never saw the request: ${JSON.stringify(summary(result))}`);
  return { result, record };
}

/** Exactly one outcome, consistent with what the client got. */
function expectConsistent(result: ClientResult, record: FaultRecord): void {
  expect(record.calls.length).toBeLessThanOrEqual(1);
  if (record.outcome === 'error') {
    if (record.headersSentAtError[0]) {
      expect(result.kind).not.toBe('response');
    } else {
      expect(summary(result)).toMatchObject({ kind: 'response', status: 500, headers: { 'x-fault-outcome': 'error' } });
    }
  } else if (record.outcome === 'next') {
    expect(summary(result)).toMatchObject({ kind: 'response', status: 404, headers: { 'x-fault-outcome': 'next' }, body: 'fell through' });
  } else {
    expect(record.outcome).toMatch(/^(?:response|aborted)$/);
    if (result.kind !== 'closed') expect(result.headers['x-fault-outcome']).toBeUndefined();
  }
}

/** next(err) → 500, with the route's descriptive error; the 500 carries none of the handler's own headers. */
function expectRouteFailure(faults: FaultHarness, result: ClientResult, record: FaultRecord, handlerHeaders: string[] = []): void {
  expect(record.calls).toEqual(['error']);
  expect(record.headersSentAtError).toEqual([false]);
  expectRouteError(record.errors[0], routeFile(faults), 'POST', '/respond');
  expect(summary(result)).toMatchObject({ kind: 'response', status: 500, body: 'error' });
  if (result.kind !== 'response') return;
  const ours = new Set(['content-type', 'x-fault-outcome', 'date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-powered-by']);
  const leaked = handlerHeaders.filter((name) => !ours.has(name) && rawValues(result, name).length > 0);
  expect(leaked).toEqual([]);
}

/** A complete answer from the middleware itself, no next() or next(err). */
function expectAnswered(result: ClientResult, record: FaultRecord): asserts result is Extract<ClientResult, { kind: 'response' }> {
  expect(summary(result)).toMatchObject({ kind: 'response' });
  expect(record.calls).toEqual([]);
  expect(record.outcome).toBe('response');
}

function rawValues(result: Extract<ClientResult, { kind: 'response' }>, name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < result.rawHeaders.length; index += 2) {
    if (result.rawHeaders[index].toLowerCase() === name) values.push(result.rawHeaders[index + 1]);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Request paths and percent-encodings.

const pathPiece = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@]{1,8}$/) },
  { weight: 3, arbitrary: fc.constantFrom('%00', '%2F', '%2f', '%2e', '%2E', '%25', '%20', '%3F', '%23', '%5C', '%C3%A9', '%F0%9F%98%80', '%E2%82%AC', '%0A', '%0D') },
  { weight: 3, arbitrary: fc.constantFrom('%', '%Z', '%zz', '%E0%A4%A', '%C3', '%FF', '%ED%A0%80', '%C0%AF', '%%', '%2', '%u00e9') },
  { weight: 2, arbitrary: fc.constantFrom('.', '..', '%2e%2e', '.%2e', '%2E.') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }).map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, 'x'))) },
  { weight: 2, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,3}$/) },
);
const segmentArb = fc.array(pathPiece, { maxLength: 4 }).map((pieces) => pieces.join(''));
const pathArb = fc
  .record({
    prefix: fc.constantFrom('/p/', '/c/', '/static', '/methods/all', '/', '/nowhere/', '//p/', '/p//', '/P/'),
    segments: fc.array(segmentArb, { maxLength: 3 }),
    trailingSlash: fc.boolean(),
    query: fc.option(fc.array(pathPiece, { maxLength: 3 }).map((pieces) => `?${pieces.join('')}`), { nil: '' }),
    long: fc.option(fc.constantFrom(2000, 9000, 20000), { nil: undefined }),
  })
  .map(({ prefix, segments, trailingSlash, query, long }) => {
    let path = prefix + segments.join('/') + (trailingSlash ? '/' : '') + query;
    if (long) path = `/p/${'a%2F'.repeat(long / 4)}`;
    return path;
  });

/** decodeURIComponent that tells whether it could. */
function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Methods and raw request targets (written on a socket: Node's client upper-cases methods).

const seven = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const methodArb = fc.oneof(
  fc.constantFrom(...seven),
  fc.constantFrom(...seven).map((method) => method.toLowerCase()),
  fc.constantFrom('Get', 'pOST', 'Head'),
  fc.constantFrom('PROPFIND', 'QUERY', 'TRACE', 'M-SEARCH', 'LOCK', 'PURGE', 'MKCOL', 'SEARCH', 'CONNECT', 'PRI', 'BREW'),
  fc.stringMatching(/^[A-Z]{1,10}$/),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/),
);
const targetArb = fc.record({
  target: fc.constantFrom('/methods/all', '/methods/get-only', '/static', '/p/x', '/nowhere', '*', 'http://localhost/methods/all'),
  suffix: fc.option(
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }).map((codes) => Buffer.from(codes).toString('latin1')),
    { nil: '', freq: 4 },
  ),
});

interface MethodExpectation {
  status: number;
  allow?: string;
  xMethod?: string;
  body?: string;
  outcome: 'response' | 'next';
}

/** What a method Node's parser accepted gets from each clean target. */
function methodExpectation(method: string, target: string): MethodExpectation | undefined {
  const path = target.startsWith('http://') ? new URL(target).pathname : target;
  if (path === '/methods/all') {
    if (seven.includes(method)) return { status: 200, xMethod: method, body: method === 'HEAD' ? '' : method, outcome: 'response' };
    return { status: 405, allow: 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT', body: '', outcome: 'response' };
  }
  if (path === '/methods/get-only' || path === '/static') {
    if (method === 'GET' || method === 'HEAD') {
      const body = method === 'HEAD' ? '' : path === '/static' ? 'static' : 'GET';
      return { status: 200, body, outcome: 'response', ...(path === '/static' ? {} : { xMethod: method }) };
    }
    if (method === 'OPTIONS') return { status: 204, allow: 'GET, HEAD, OPTIONS', body: '', outcome: 'response' };
    return { status: 405, allow: 'GET, HEAD, OPTIONS', body: '', outcome: 'response' };
  }
  if (path === '/nowhere') return { status: 404, body: method === 'HEAD' ? '' : 'fell through', outcome: 'next' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Response headers.

const headerNameArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/).map((name) => `x-${name}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'content-type', 'cache-control', 'vary', 'link', 'www-authenticate', 'set-cookie', 'location', 'etag', 'date',
      'connection', 'keep-alive', 'trailer', 'content-length', 'transfer-encoding', 'content-encoding', 'x-middleware-rewrite',
      'x-powered-by', 'upgrade', 'server', 'content-disposition', 'Content-Disposition', 'X-Mixed-Case',
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/).filter((name) => name.toLowerCase() !== 'x-fault-outcome') },
  { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('x-é', 'x a', 'x:a', '', 'x\u0100') },
);
const headerValueArb = fc.oneof(
  { weight: 6, arbitrary: oddString() },
  { weight: 1, arbitrary: fc.constantFrom('attachment; filename="a\x01.txt"', 'inline; filename="r\xe9sum\xe9.pdf"', 'a\x7fb', ' padded\t', 'x'.repeat(8000)) },
);

type HeaderExpectation =
  | { kind: 'threw' }
  | { kind: 'unsendable' }
  | { kind: 'sent'; headers: Map<string, string[]> };

/** What a handler returning these headers (with a text body) must come to. */
function headersExpectation(pairs: [string, string][]): HeaderExpectation {
  if (pairs.some(([name, value]) => !isToken(name) || undiciRefuses(value))) return { kind: 'threw' };
  const combined = new Map<string, string[]>();
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const normalized = normalizeValue(value);
    const previous = combined.get(name);
    if (name === 'set-cookie') combined.set(name, [...(previous ?? []), normalized]);
    else combined.set(name, [previous ? `${previous[0]}, ${normalized}` : normalized]);
  }
  for (const [name, values] of combined) {
    if (dropped(name)) {
      combined.delete(name);
      continue;
    }
    if (values.some(nodeRefuses)) return { kind: 'unsendable' };
    // A known body goes out with Content-Length: Node refuses a Trailer header on it.
    if (name === 'trailer') return { kind: 'unsendable' };
  }
  return { kind: 'sent', headers: combined };
}

// ---------------------------------------------------------------------------------------------
// Cookies.

const cookieOptionsArb = fc.record(
  {
    path: fc.oneof(fc.constantFrom('/', '/a', '/a;b', ''), oddString(3)),
    domain: fc.oneof(fc.constantFrom('example.com', '.example.com', 'ex ample'), oddString(3)),
    expires: fc.oneof(fc.integer({ min: -1e15, max: 1e15 }), fc.constantFrom('2030-01-01', 'not a date', '')),
    maxAge: fc.oneof(fc.integer({ min: -1000, max: 1e7 }), fc.constantFrom(0, 1e300)),
    sameSite: fc.constantFrom<ResponseCookie['sameSite'] | string>('lax', 'strict', 'none', true, false, 'Lax', 'la\x01x'),
    priority: fc.constantFrom<string>('low', 'medium', 'high', 'urgent\x7f'),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    partitioned: fc.boolean(),
  },
  { requiredKeys: [] },
);
const cookieArb = fc.record({
  via: fc.constantFrom<'cookies' | 'response'>('cookies', 'response'),
  name: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), oddString(3), fc.constantFrom('a;b', 'a=b', ' lead', '__Host-x')),
  value: fc.oneof(fc.string({ maxLength: 12 }), oddString(4), fc.constantFrom('\ud800', 'a b;c', '')),
  options: fc.option(cookieOptionsArb, { nil: undefined }),
});

const cookieInputArb = fc.record({ via: fc.constantFrom('route', 'next'), cookie: cookieArb, second: fc.option(cookieArb, { nil: undefined }) });
type CookieInput = typeof cookieInputArb extends fc.Arbitrary<infer T> ? T : never;

type CookieExpectation = { kind: 'threw' } | { kind: 'unsendable' } | { kind: 'sent'; line: string; expires: boolean };

/** What one cookie set through `cookies().set()` or `NextResponse.cookies.set()` must come to. */
function cookieExpectation(cookie: { name: string; value: string; options?: Record<string, unknown> }): CookieExpectation {
  const normalized: ResponseCookie = { ...(cookie.options as Partial<ResponseCookie>), name: cookie.name, value: cookie.value };
  if (typeof normalized.expires === 'number') normalized.expires = new Date(normalized.expires);
  if (normalized.maxAge) normalized.expires = new Date(Date.now() + normalized.maxAge * 1000);
  if (normalized.path === undefined) normalized.path = '/';
  let line: string;
  try {
    line = stringifyCookie(normalized);
  } catch {
    return { kind: 'threw' }; // encodeURIComponent of a lone surrogate, or an `expires` string (no toUTCString)
  }
  if (undiciRefuses(line)) return { kind: 'threw' };
  line = normalizeValue(line);
  if (nodeRefuses(line)) return { kind: 'unsendable' };
  return { kind: 'sent', line, expires: /; Expires=/.test(line) };
}

const withoutExpires = (line: string) => line.replace(/; Expires=[^;]*/, '');

// ---------------------------------------------------------------------------------------------
// Statuses and status texts.

const statusArb = fc.oneof(
  fc.integer({ min: 0, max: 1100 }),
  fc.constantFrom<number | string>(0, 99, 100, 101, 103, 199, 200, 204, 205, 299, 304, 418, 599, 600, 999, 1000, -1, 200.5, 'NaN', 'Infinity'),
);
const statusTextArb = fc.oneof(fc.string({ maxLength: 12 }), oddString(4), fc.constantFrom('', 'OK', ' padded ', 'r\xe9ussi', 'a\x01b'));
const statusSpecArb = fc.record(
  {
    via: fc.constantFrom('route', 'native', 'next'),
    error: fc.constant(true),
    status: statusArb,
    statusText: statusTextArb,
    override: fc.record({ status: statusArb, statusText: statusTextArb }, { requiredKeys: [] }),
    body: fc.constantFrom({ kind: 'string', text: 'status body' }, { kind: 'null' }, { kind: 'stream', chunks: [{ t: 'bytes', b64: Buffer.from('streamed').toString('base64') }] }),
  },
  { requiredKeys: ['via', 'body'] },
);

type StatusSpec = {
  via: string;
  error?: boolean;
  status?: number | string;
  statusText?: string;
  override?: { status?: number | string; statusText?: string };
  body: { kind: string };
};

type StatusExpectation = { kind: 'threw' } | { kind: 'invalid' } | { kind: 'sent'; status: number; statusMessage: string; body: string };

const asNumber = (value: number | string | undefined) => (typeof value === 'string' ? Number(value) : value);

function statusExpectation(spec: StatusSpec): StatusExpectation {
  // The route's construction, repeated with the platform's Response: its checks (status range,
  // reason-phrase characters, a body with a null-body status) read the overriding getters too.
  const override = spec.override;
  const Class = override
    ? class Odd extends Response {
        override get status(): number {
          return override.status === undefined ? super.status : asNumber(override.status)!;
        }
        override get statusText(): string {
          return override.statusText === undefined ? super.statusText : override.statusText;
        }
      }
    : Response;
  const init: ResponseInit = {};
  if (spec.status !== undefined) init.status = asNumber(spec.status);
  if (spec.statusText !== undefined) init.statusText = spec.statusText;
  let built: Response;
  try {
    // Response.error() is built by the static method, never as the overriding subclass.
    built = spec.error ? Response.error() : new Class(spec.body.kind === 'null' ? null : 'body', init);
  } catch {
    return { kind: 'threw' };
  }
  const status = built.status;
  const statusText = built.statusText;
  if (!(Number.isInteger(status) && status >= 200 && status <= 599)) return { kind: 'invalid' };
  if (nodeRefuses(statusText)) return { kind: 'invalid' };
  const bodyless = status === 204 || status === 205 || status === 304 || spec.body.kind === 'null';
  const body = bodyless ? '' : spec.body.kind === 'string' ? 'status body' : 'streamed';
  return { kind: 'sent', status, statusMessage: statusText || http.STATUS_CODES[status] || 'unknown', body };
}

// ---------------------------------------------------------------------------------------------
// Bodies.

const bytesArb = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const typedArrays = {
  Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 2, Uint16Array: 2, Int32Array: 4, Uint32Array: 4,
  Float32Array: 4, Float64Array: 8, BigInt64Array: 8, BigUint64Array: 8,
} as const;
const typedArb = fc
  .record({ type: fc.constantFrom(...(Object.keys(typedArrays) as (keyof typeof typedArrays)[])), offset: fc.nat(4), length: fc.nat(8), extra: fc.nat(3) })
  .chain(({ type, offset, length, extra }) => {
    const size = typedArrays[type];
    return fc.uint8Array({ minLength: (offset + length + extra) * size, maxLength: (offset + length + extra) * size }).map((bytes) => ({
      kind: 'typed' as const,
      type,
      b64: Buffer.from(bytes).toString('base64'),
      offset: offset * size,
      length,
      expected: Buffer.from(bytes.subarray(offset * size, (offset + length) * size)),
    }));
  });
const dataViewArb = fc.record({ bytes: bytesArb, start: fc.nat(8), length: fc.nat(16) }).map(({ bytes, start, length }) => {
  const offset = Math.min(start, bytes.length);
  const size = Math.min(length, bytes.length - offset);
  return { kind: 'dataview' as const, b64: bytes.toString('base64'), offset, length: size, expected: bytes.subarray(offset, offset + size) };
});
const partArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }).map((text) => ({ text })), bytesArb.map((bytes) => ({ b64: bytes.toString('base64') })));
const blobTypeArb = fc.oneof(fc.constantFrom('', 'text/plain', 'Application/JSON', 'image/png'), fc.string({ maxLength: 6 }), oddString(2));
type ChunkSpec = { t: string; b64?: string; s?: string; message?: string };
const chunkArb: fc.Arbitrary<ChunkSpec> = fc.oneof(
  { weight: 6, arbitrary: bytesArb.map((bytes) => ({ t: 'bytes', b64: bytes.toString('base64') })) },
  { weight: 1, arbitrary: fc.constantFrom('u16', 'arraybuffer', 'dataview').map((t) => ({ t, b64: Buffer.from('abcd').toString('base64') })) },
  { weight: 1, arbitrary: fc.constantFrom('number', 'object', 'null').map((t) => ({ t })) },
  { weight: 1, arbitrary: fc.constant({ t: 'error', message: 'the stream broke' }) },
);

const bodyArb = fc.oneof(
  fc.constantFrom({ kind: 'absent' }, { kind: 'null' }),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => ({ kind: 'string', text })),
  bytesArb.map((bytes) => ({ kind: 'arraybuffer', b64: bytes.toString('base64') })),
  typedArb,
  dataViewArb,
  fc.record({ kind: fc.constantFrom('blob', 'file'), parts: fc.array(partArb, { maxLength: 4 }), type: blobTypeArb, name: fc.string({ maxLength: 6 }) }),
  fc.record({
    kind: fc.constant('formdata'),
    entries: fc.array(
      fc.tuple(
        fc.stringMatching(/^[a-z0-9]{1,6}$/),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 10 }).map((text) => text.replace(/[\ud800-\udfff]/g, '?')),
          fc.record({ b64: bytesArb.map((bytes) => bytes.toString('base64')), filename: fc.stringMatching(/^[a-z0-9.]{1,8}$/), type: fc.constantFrom('', 'text/plain', 'application/octet-stream') }),
        ),
      ),
      { maxLength: 4 },
    ),
  }),
  fc.record({ kind: fc.constant('params'), entries: fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('stream'), chunks: fc.array(chunkArb, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('stream'), chunks: fc.array(fc.string({ maxLength: 6 }).map((s) => ({ t: 'string', s })), { minLength: 1, maxLength: 4 }) }),
  fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json', value })), fc.constantFrom(...(ODD_JSON as string[])).map((odd) => ({ kind: 'json', odd }))),
);

type BodySpec = { kind: string; [key: string]: unknown };

type BodyExpectation =
  | { kind: 'threw' }
  /** A known body: exact bytes with Content-Length. */
  | { kind: 'known'; bytes: Buffer; contentType: string | undefined }
  /** A streamed body: exact bytes, any framing. */
  | { kind: 'streamed'; bytes: Buffer; contentType: string | undefined }
  | { kind: 'form'; entries: [string, string | { bytes: Buffer; filename: string; type: string }][] }
  /** The stream fails at chunk `index`: next(err) before anything was written, else a cut connection after `bytes`. */
  | { kind: 'fails'; bytes: Buffer; nothingWritten: boolean; onlyEmptyWritten: boolean }
  /** Strings in a byte stream: sent as UTF-8 (this library) or refused like any other non-byte chunk. */
  | { kind: 'strings'; bytes: Buffer };

function bodyExpectation(body: BodySpec): BodyExpectation {
  const text = 'text/plain;charset=UTF-8';
  switch (body.kind) {
    case 'absent':
    case 'null':
      return { kind: 'known', bytes: Buffer.alloc(0), contentType: undefined };
    case 'string':
      return { kind: 'known', bytes: Buffer.from(body.text as string, 'utf8'), contentType: text };
    case 'arraybuffer':
    case 'mutated':
    case 'detached':
      // A Response copies the bytes it is built from (Fetch: "extract a body"): later changes do not show.
      return { kind: 'known', bytes: Buffer.from(body.b64 as string, 'base64'), contentType: undefined };
    case 'typed':
    case 'dataview':
      return { kind: 'known', bytes: body.expected as Buffer, contentType: undefined };
    case 'blob':
    case 'file': {
      const parts = (body.parts as ({ text: string } | { b64: string })[]).map((part) => ('text' in part ? part.text : new Uint8Array(Buffer.from(part.b64, 'base64'))));
      // The Blob's own normalisation, then the Headers' one (a type of spaces becomes an empty header).
      const type = new Blob([], { type: body.type as string }).type;
      const bytes = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
      return { kind: 'known', bytes, contentType: type ? normalizeValue(type) : undefined };
    }
    case 'formdata':
      return {
        kind: 'form',
        entries: (body.entries as [string, string | { b64: string; filename: string; type: string }][]).map(([name, value]) => [
          name,
          typeof value === 'string' ? value.replace(/\r\n|\r|\n/g, '\r\n') : { bytes: Buffer.from(value.b64, 'base64'), filename: value.filename, type: value.type },
        ]),
      };
    case 'params':
      return { kind: 'known', bytes: Buffer.from(new URLSearchParams(body.entries as [string, string][]).toString()), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
    case 'stream': {
      const chunks = body.chunks as ChunkSpec[];
      if (chunks.length > 0 && chunks.every((chunk) => chunk.t === 'string')) return { kind: 'strings', bytes: Buffer.from(chunks.map((chunk) => chunk.s).join(''), 'utf8') };
      const written: Buffer[] = [];
      for (const chunk of chunks) {
        if (chunk.t !== 'bytes') {
          return { kind: 'fails', bytes: Buffer.concat(written), nothingWritten: written.length === 0, onlyEmptyWritten: written.every((part) => part.length === 0) };
        }
        written.push(Buffer.from(chunk.b64!, 'base64'));
      }
      return { kind: 'streamed', bytes: Buffer.concat(written), contentType: undefined };
    }
    case 'json': {
      let json: string | undefined;
      try {
        json = JSON.stringify(body.odd === undefined ? body.value : oddJsonValue(body.odd as string));
      } catch {
        return { kind: 'threw' };
      }
      if (json === undefined) return { kind: 'threw' };
      return { kind: 'known', bytes: Buffer.from(json, 'utf8'), contentType: 'application/json' };
    }
    default:
      throw new Error(`no expectation for ${body.kind}`);
  }
}

/** The typed-array expectations carry Buffers that JSON would mangle: the route gets the spec without them. */
function wire(body: BodySpec): BodySpec {
  const { expected: _expected, ...rest } = body;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Latin-1 (obs-text) in what a handler returns.

/** Printable ASCII with latin-1 characters above 0x7f: what undici's Headers and Node's setHeader both accept. */
const latin1Arb = fc
  .array(fc.oneof(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code))), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((value) => hasLatin1(value) && normalizeValue(value) === value && !/["\\]/.test(value));
const latin1InputArb = fc.record({
  where: fc.constantFrom('header', 'content-disposition', 'cookie path', 'status text'),
  value: latin1Arb,
  body: fc.constantFrom('string', 'bytes', 'stream'),
  via: fc.constantFrom('route', 'next'),
});
type Latin1Input = typeof latin1InputArb extends fc.Arbitrary<infer T> ? T : never;
const latin1Examples: Latin1Input[] = (['header', 'content-disposition', 'cookie path', 'status text'] as const).flatMap((where) =>
  (['string', 'bytes', 'stream'] as const).map((body) => ({ where, value: 'r\xe9sum\xe9', body, via: 'route' })),
);

function latin1Spec({ where, value, body, via }: Latin1Input): unknown {
  const spec: Record<string, unknown> = {
    via,
    body:
      body === 'string'
        ? { kind: 'string', text: 'latin-1' }
        : body === 'bytes'
          ? { kind: 'arraybuffer', b64: Buffer.from('latin-1').toString('base64') }
          : { kind: 'stream', chunks: [{ t: 'bytes', b64: Buffer.from('latin-1').toString('base64') }] },
  };
  if (where === 'header') spec.headers = [['x-latin1', value]];
  if (where === 'content-disposition') spec.headers = [['content-disposition', `attachment; filename="${value}"`]];
  if (where === 'cookie path') spec.cookies = [{ via: 'response', name: 'n', value: 'v', options: { path: `/${value}` } }];
  if (where === 'status text') spec.statusText = value;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Inputs every run starts with: the known findings and the edges that matter most.

const pathExamples = ['/p/%E0%A4%A', '/p/%2e%2e', '/p/%2E', '//p/x', '/p/x/', '/p/%00', '/p/a%2Fb', '/c/a%2Fb/%2e/c', '/p/%F0%9F%98%80', `/p/${'x'.repeat(9000)}`, `/p/${'x'.repeat(20000)}`];
const methodExamples: [string, { target: string; suffix: string }][] = [
  ['get', { target: '/methods/all', suffix: '' }],
  ['PROPFIND', { target: '/methods/all', suffix: '' }],
  ['QUERY', { target: '/methods/get-only', suffix: '' }],
  ['TRACE', { target: '/static', suffix: '' }],
  ['CONNECT', { target: '/methods/all', suffix: '' }],
  ['OPTIONS', { target: '*', suffix: '' }],
  ['GET', { target: '/methods/all', suffix: '\x00' }],
  ['GET', { target: '/p/', suffix: '\xe9' }],
];
const headerExamples = [
  // Known finding (Node refuses what undici let through): next(err) → 500, not a crash.
  { via: 'route', headers: [['content-disposition', 'attachment; filename="a\x01.txt"']] },
  { via: 'next', headers: [['x-del', 'a\x7fb']] },
  { via: 'native', headers: [['trailer', 'x-checksum']] },
  { via: 'native', headers: [['x-latin1', 'r\xe9sum\xe9']] },
] as { via: string; headers: [string, string][] }[];
const cookieExamples: CookieInput[] = [
  // Known finding: a cookie attribute with a control character.
  { via: 'route', cookie: { via: 'cookies', name: 'session', value: 'v', options: { domain: 'example.com\x01' } }, second: undefined },
  { via: 'next', cookie: { via: 'response', name: 'n', value: 'v', options: { path: '/\x7f' } }, second: undefined },
  { via: 'route', cookie: { via: 'cookies', name: 'n', value: '\ud800', options: undefined }, second: undefined },
  { via: 'route', cookie: { via: 'response', name: 'n', value: 'v', options: { path: '/caf\xe9' } }, second: undefined },
];
const text = { kind: 'string', text: 'status body' };
const streamed = { kind: 'stream', chunks: [{ t: 'bytes', b64: Buffer.from('streamed').toString('base64') }] };
const statusExamples: StatusSpec[] = [
  // Known finding: statuses Node or the client cannot take, from a subclass, and Response.error().
  { via: 'route', override: { status: 99 }, body: text },
  { via: 'native', override: { status: 600 }, body: text },
  { via: 'next', override: { status: 'NaN' }, body: text },
  { via: 'route', override: { status: 100 }, body: text },
  { via: 'route', override: { status: 199 }, body: text },
  { via: 'route', override: { status: 1000 }, body: text },
  { via: 'route', override: { status: 0 }, body: text },
  { via: 'native', error: true, body: text },
  { via: 'route', override: { statusText: 'a\x01b' }, body: streamed },
  { via: 'route', statusText: 'r\xe9ussi', body: streamed },
];
const bytes012 = Buffer.from([0, 1, 2]).toString('base64');
const bodyExamples: { via: string; body: BodySpec }[] = [
  { via: 'route', body: { kind: 'stream', chunks: [{ t: 'bytes', b64: bytes012 }, { t: 'error', message: 'broke after one chunk' }] } },
  { via: 'route', body: { kind: 'stream', chunks: [{ t: 'error', message: 'broke before the first chunk' }] } },
  { via: 'native', body: { kind: 'stream', chunks: [{ t: 'number' }] } },
  { via: 'route', body: { kind: 'stream', chunks: [{ t: 'string', s: 'text chunk' }] } },
  { via: 'next', body: { kind: 'json', odd: 'bigint' } },
  { via: 'route', body: { kind: 'json', odd: 'undefined' } },
  { via: 'native', body: { kind: 'formdata', entries: [['file', { b64: bytes012, filename: 'a.bin', type: '' }], ['text', 'line\nbreak']] } },
  { via: 'route', body: { kind: 'typed', type: 'Float64Array', b64: Buffer.alloc(32, 7).toString('base64'), offset: 8, length: 2, expected: Buffer.alloc(16, 7) } },
];

// ---------------------------------------------------------------------------------------------

describe.each(expressVersions)('fault properties (%s)', (_name, express) => {
  const faults = faultHarness(express);

  it(
    'request paths: any path is answered by a route (200/308/400) or passed on with next(), never next(err)',
    () =>
      holds(faults, pathArb, async (path) => {
        const { result, record } = await faults.request({ path });
        expect(summary(result)).toMatchObject({ kind: 'response' });
        if (result.kind !== 'response') return;
        if (!record) {
          // Node's parser refused the request itself (a request target past its header size limit).
          expect([400, 414, 431]).toContain(result.status);
          return;
        }
        expectConsistent(result, record);
        expect(record.outcome).toMatch(/^(?:response|next)$/);
        if (record.outcome === 'next') return;
        expect([200, 308, 400]).toContain(result.status);
        const pathname = path.split('?')[0];
        if (result.status === 308) {
          const location = result.headers.location!;
          // Never a protocol-relative or backslashed Location: that would redirect to another host.
          expect(location).toMatch(/^\/(?![/\\])/);
          expect(result.headers.refresh).toBe(`0;url=${location}`);
        }
        if (result.status === 400) {
          expect(result.body.length).toBe(0);
          expect(pathname.split('/').some((segment) => !decodes(segment))).toBe(true);
        }
        const single = /^\/p\/([^/?#\\]+)$/.exec(pathname);
        if (single && !/^(?:\.|%2e){1,2}$/i.test(single[1])) {
          // One dynamic segment: its param is exactly the segment decoded, or 400 when it cannot be.
          if (decodes(single[1])) {
            expect(result.status).toBe(200);
            expect(JSON.parse(result.body.toString()).a).toBe(decodeURIComponent(single[1]));
          } else {
            expect(result.status).toBe(400);
          }
        }
      }, { examples: pathExamples }),
    PROPERTY_TIMEOUT_MS,
  );

  let rawIds = 0;
  it(
    'methods and raw request targets: Node refuses what it cannot parse, the rest gets its 200/204/405 or next(), never next(err)',
    () =>
      holds(faults, fc.tuple(methodArb, targetArb), async ([method, { target, suffix }]) => {
        const id = `raw${++rawIds}`;
        const request = Buffer.from(`${method} ${target}${suffix} HTTP/1.1\r\nHost: localhost\r\nx-fault-id: ${id}\r\nConnection: close\r\n\r\n`, 'latin1');
        const result: RawResult = await faults.raw(request, { isHead: method === 'HEAD' });
        const record = faults.records.find((candidate) => candidate.id === id);
        expect(result.kind).not.toBe('invalid');
        if (!record) {
          // Not for the app: Node answered 400 itself, or closed the connection (CONNECT without a listener).
          if (result.kind === 'response') expect(result.status).toBe(400);
          else expect(method === 'CONNECT' || method === 'PRI' || suffix !== '').toBe(true);
          return;
        }
        expect(http.METHODS).toContain(method);
        expect(result).toMatchObject({ kind: 'response', complete: true });
        if (result.kind !== 'response') return;
        expect(record.calls.length).toBeLessThanOrEqual(1);
        expect(record.outcome).toMatch(/^(?:response|next)$/);
        const header = (name: string) => result.headers.find(([candidate]) => candidate === name)?.[1];
        if (record.outcome === 'next') expect([result.status, header('x-fault-outcome')]).toEqual([404, 'next']);
        const expected = suffix === '' ? methodExpectation(method, target) : undefined;
        if (!expected) return;
        expect({ status: result.status, outcome: record.outcome }).toEqual({ status: expected.status, outcome: expected.outcome });
        if (expected.allow !== undefined) expect(header('allow')).toBe(expected.allow);
        if (expected.xMethod !== undefined) expect(header('x-method')).toBe(expected.xMethod);
        if (expected.body !== undefined) expect(result.body.toString('latin1')).toBe(expected.body);
      }, { examples: methodExamples }),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'response headers: valid ones arrive as sent; one undici or Node refuses makes next(err) → 500 naming the route, without the handler headers',
    () =>
      holds(
        faults,
        fc.record({ via: fc.constantFrom('route', 'native', 'next'), headers: fc.array(fc.tuple(headerNameArb, headerValueArb), { minLength: 1, maxLength: 4 }) }),
        async ({ via, headers }) => {
          // At most one long value: Node's client refuses response heads past 16 KiB.
          const pairs = headers.map(([name, value], index) => [name, index === 0 ? value : value.slice(0, 200)] as [string, string]);
          const { result, record } = await respond(faults, { via, headers: pairs, body: { kind: 'string', text: 'with headers' } });
          expectConsistent(result, record);
          const expected = headersExpectation(pairs);
          const names = pairs.map(([name]) => name.toLowerCase()).filter(isToken);
          if (expected.kind !== 'sent') return expectRouteFailure(faults, result, record, names);
          expectAnswered(result, record);
          expect(result.status).toBe(200);
          expect(result.body.toString()).toBe('with headers');
          // Latin-1 bytes are the next test's business: here they only have to arrive, once.
          for (const [name, values] of expected.headers) {
            const received = rawValues(result, name);
            if (values.some(hasLatin1)) expect([name, received.length]).toEqual([name, values.length]);
            else expect([name, received]).toEqual([name, values]);
          }
        },
        { examples: headerExamples },
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'cookies from cookies().set() and NextResponse.cookies.set(): serialised as Next does, or next(err) → 500 when no header can hold them',
    () =>
      holds(faults, cookieInputArb, async ({ via, cookie, second }) => {
        const cookies = second ? [cookie, second] : [cookie];
        const { result, record } = await respond(faults, { via, cookies, body: { kind: 'string', text: 'with cookies' } });
        expectConsistent(result, record);
        const expectations = cookies.map(cookieExpectation);
        const refused = expectations.some((expected) => expected.kind === 'threw' || expected.kind === 'unsendable');
        if (second) {
          // Two cookies: with cookies() in play the response's own are parsed and re-serialised as Next does
          // (an unknown SameSite is dropped, say), so a refused attribute may be gone before Node sees it.
          // Whatever the merge: a failure only when some cookie was refusable, else one line per distinct name.
          if (record.outcome === 'error') {
            expect(refused).toBe(true);
            return expectRouteFailure(faults, result, record, ['set-cookie']);
          }
          expectAnswered(result, record);
          expect(result.body.toString()).toBe('with cookies');
          const lines = rawValues(result, 'set-cookie');
          expect(lines.length).toBeGreaterThanOrEqual(1);
          expect(lines.length).toBeLessThanOrEqual(2);
          return;
        }
        if (refused) return expectRouteFailure(faults, result, record, ['set-cookie']);
        expectAnswered(result, record);
        expect(result.body.toString()).toBe('with cookies');
        const lines = rawValues(result, 'set-cookie');
        const expected = expectations[0] as Extract<CookieExpectation, { kind: 'sent' }>;
        if (hasLatin1(expected.line)) expect(lines).toHaveLength(1);
        else expect(lines.map(withoutExpires)).toEqual([withoutExpires(expected.line)]);
        expect(/; Expires=/.test(lines[0])).toBe(expected.expires);
      }, { examples: cookieExamples }),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'statuses and status texts: 200–599 with a writable text go out as given; anything else is next(err) → 500 naming the route',
    () =>
      holds(faults, statusSpecArb, async (spec) => {
        const { result, record } = await respond(faults, spec);
        expectConsistent(result, record);
        const expected = statusExpectation(spec);
        if (expected.kind !== 'sent') return expectRouteFailure(faults, result, record);
        expectAnswered(result, record);
        expect({ status: result.status, body: result.body.toString() }).toEqual({ status: expected.status, body: expected.body });
        if (!hasLatin1(expected.statusMessage)) expect(result.statusMessage).toBe(expected.statusMessage);
      }, { examples: statusExamples }),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'bodies of every Web type: exact bytes (Content-Length when known); a body that fails is next(err) before the first byte, a cut connection after',
    () =>
      holds(faults, fc.record({ via: fc.constantFrom('route', 'native', 'next'), body: bodyArb as fc.Arbitrary<BodySpec> }), async ({ via, body }) => {
        const { result, record } = await respond(faults, { via, body: wire(body) });
        expectConsistent(result, record);
        const expected = bodyExpectation(body);
        // Only a body that fails after the headers went out has anything to log.
        if (expected.kind !== 'fails') expect(faults.loggedErrors).toEqual([]);
        switch (expected.kind) {
          case 'threw':
            return expectRouteFailure(faults, result, record);
          case 'known':
          case 'streamed': {
            expectAnswered(result, record);
            expect(result.status).toBe(200);
            expect(result.body.toString('hex')).toBe(expected.bytes.toString('hex'));
            expect(result.headers['content-type']).toBe(expected.contentType);
            if (expected.kind === 'known') {
              expect(result.headers['content-length']).toBe(String(expected.bytes.length));
              expect(result.headers['transfer-encoding']).toBeUndefined();
            }
            return;
          }
          case 'form': {
            expectAnswered(result, record);
            expect(result.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
            const form = await new Response(new Uint8Array(result.body), { headers: { 'content-type': result.headers['content-type']! } }).formData();
            const entries = await Promise.all(
              [...form.entries()].map(async ([name, value]) =>
                typeof value === 'string' ? [name, value] : [name, { bytes: Buffer.from(await value.arrayBuffer()), filename: value.name, type: value.type }],
              ),
            );
            expect(entries).toEqual(expected.entries.map(([name, value]) => [name, typeof value === 'string' ? value : { ...value, type: value.type || 'application/octet-stream' }]));
            return;
          }
          case 'strings': {
            if (record.outcome === 'error') return expectRouteFailure(faults, result, record);
            expectAnswered(result, record);
            expect(result.body.toString('hex')).toBe(expected.bytes.toString('hex'));
            return;
          }
          case 'fails': {
            if (expected.nothingWritten || (expected.onlyEmptyWritten && record.outcome === 'error')) return expectRouteFailure(faults, result, record);
            // Headers went out: the client sees the body cut short, the error is logged, nothing reaches Express.
            expect(record.calls).toEqual([]);
            expect(result.kind).not.toBe('response');
            if (result.kind === 'truncated') expect(expected.bytes.toString('hex').startsWith(result.body.toString('hex'))).toBe(true);
            if (faults.loggedErrors.length === 0) await faults.nextLog();
            expect(faults.loggedErrors).toHaveLength(1);
            expectRouteError(faults.loggedErrors[0], routeFile(faults), 'POST', '/respond');
            return;
          }
        }
      }, { checkOptions: { allowLoggedErrors: true }, examples: bodyExamples }),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'latin-1 in header values, cookie attributes and status texts goes out as the bytes the Response holds, whatever the body',
    () =>
      holds(
        faults,
        latin1InputArb,
        async (input) => {
          const { result, record } = await respond(faults, latin1Spec(input));
          expectAnswered(result, record);
          expect(result.body.toString()).toBe('latin-1');
          // Node's client reads header bytes as latin-1: equal strings are equal bytes on the wire.
          const { where, value } = input;
          if (where === 'header') expect(rawValues(result, 'x-latin1')).toEqual([value]);
          if (where === 'content-disposition') expect(rawValues(result, 'content-disposition')).toEqual([`attachment; filename="${value}"`]);
          if (where === 'cookie path') expect(rawValues(result, 'set-cookie')).toEqual([`n=v; Path=/${value}`]);
          if (where === 'status text') expect(result.statusMessage).toBe(value);
        },
        { examples: latin1Examples },
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a Response keeps the bytes it was built from: changing or transferring the array afterwards changes nothing',
    () =>
      holds(
        faults,
        fc.record({ via: fc.constantFrom('route', 'native', 'next'), kind: fc.constantFrom('mutated', 'detached'), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
        async ({ via, kind, bytes }) => {
          const { result, record } = await respond(faults, { via, body: { kind, b64: Buffer.from(bytes).toString('base64') } });
          expectAnswered(result, record);
          expect(result.body.toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
        },
        { examples: [{ via: 'route', kind: 'mutated', bytes: new Uint8Array([0, 1, 2]) }, { via: 'next', kind: 'detached', bytes: new Uint8Array([0, 1, 2]) }] },
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
