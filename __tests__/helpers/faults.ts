/**
 * Harness for the fault and bad-input corpus (fault-properties, fault-matrix).
 *
 * One Express app per suite: a plain Express route, a recorder, the route handlers, a
 * fall-through handler (404 "fell through") and an error handler (500 "error"). Every request
 * carries an `x-fault-id`; its record says how the app answered it — the middleware itself
 * (`response`), `next()` (`next`), `next(err)` (`error`), or not at all because the client went
 * away (`aborted`) — and holds what the route file reported through `probe()`.
 *
 * `check()` ends a case: no unhandled rejection or uncaught exception since the case began (heard
 * on the real process, besides jest's own handling), every connection of the case (client and
 * server side) awaited until closed, the process's active handles back to what they were when the
 * case began, no timer or immediate the case created still pending (watched with async_hooks: jest
 * keeps timers of its own coming and going in the same process), Express still answering a plain
 * route, and nothing logged unless the case expects it. Clients use `agent: false`, so every
 * connection is `Connection: close` and none is kept alive between cases.
 */
import async_hooks from 'node:async_hooks';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { RouteHandlerError } from '../../lib';
import type { RouteHandlersMiddleware, RouteHandlersOptions } from '../../lib';
import type { ExpressFactory } from './express';
import { fixtureApp, handlersFor } from './server';

/** How long a client waits for an answer before the case fails as a hang. */
export const CLIENT_TIMEOUT_MS = 5000;
/** How long `check()` waits for the case's connections to close before it fails. */
const SETTLE_TIMEOUT_MS = 5000;

export type Outcome = 'pending' | 'response' | 'next' | 'error' | 'aborted';

export interface FaultRecord {
  id: string | undefined;
  method: string;
  url: string;
  /** Every `next()`/`next(err)` that reached the end of the app, in order (more than one is a bug). */
  calls: ('next' | 'error')[];
  errors: unknown[];
  /** Whether headers were already out when `next(err)` came (Express can then only cut the socket). */
  headersSentAtError: boolean[];
  /** `response`: the middleware answered; `aborted`: the response closed unfinished, nobody answered. */
  readonly outcome: Outcome;
  /** Resolves when `res` closed. */
  closed: Promise<void>;
  /** What the route file reported through `probe(name, value)`, in order. */
  probes: { name: string; value: unknown }[];
  /** Resolves with the value of the first `probe(name)`; rejects after `ms` (the case fails). */
  probed(name: string, ms?: number): Promise<unknown>;
}

/** What Node's client saw. */
export type ClientResult =
  | {
      kind: 'response';
      status: number;
      statusMessage: string;
      headers: http.IncomingHttpHeaders;
      rawHeaders: string[];
      body: Buffer;
    }
  /** A status line and headers, then the connection ended before the body was complete. */
  | { kind: 'truncated'; status: number; headers: http.IncomingHttpHeaders; body: Buffer; error: string }
  /** No response at all: the connection was closed (or refused) first. */
  | { kind: 'closed'; error: string };

export interface ClientOptions {
  method?: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Fails the request after this long without a complete answer (default CLIENT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** What a raw socket got back, parsed without Node's parser (for requests Node's client will not send). */
export type RawResult =
  | { kind: 'closed'; bytes: Buffer }
  | { kind: 'invalid'; reason: string; bytes: Buffer }
  | {
      kind: 'response';
      status: number;
      reason: string;
      headers: [string, string][];
      body: Buffer;
      /** Framing satisfied (Content-Length reached, last chunk seen, or close-delimited). */
      complete: boolean;
    };

export interface CheckOptions {
  /** console.error calls the case expects (e.g. after() callbacks failing); default none. */
  allowConsoleErrors?: boolean;
  /** Errors given to `logger.error` the case expects; default none. */
  allowLoggedErrors?: boolean;
}

export interface FaultHarness {
  readonly handlers: RouteHandlersMiddleware;
  readonly port: number;
  readonly records: FaultRecord[];
  /** Errors the middleware gave `logger.error`. */
  readonly loggedErrors: unknown[];
  /** Arguments of every console.error call (silenced while the suite runs). */
  readonly consoleErrors: unknown[][];
  /** Uncaught exceptions and unhandled rejections seen since the case began. */
  readonly processErrors: { event: string; error: unknown }[];
  /** The absolute path of a route file of the fixture, as error messages name it. */
  file(route: string): string;
  /** Starts a case: forgets records, logs and process errors, and takes the resource baseline. */
  begin(): void;
  /** Ends a case (see the module comment); throws describing the first problem found. */
  check(options?: CheckOptions): Promise<void>;
  /** One request through Node's client (`agent: false`, so `Connection: close`). */
  request(options: ClientOptions): Promise<{ result: ClientResult; record: FaultRecord | undefined; id: string }>;
  /** A request the test drives itself (write the body, destroy it); tracked like the others. */
  open(options: Omit<ClientOptions, 'body' | 'timeoutMs'>): { req: http.ClientRequest; id: string };
  /**
   * What Node's client gets for a request from `open()`, ending it with `body` (`null`: the test
   * writes and ends the body itself). Fails as a hang after `timeoutMs`.
   */
  answer(req: http.ClientRequest, body?: string | Buffer | null, timeoutMs?: number): Promise<ClientResult>;
  /** Writes `bytes` on a fresh connection and reads until the server closes it. */
  raw(bytes: string | Buffer, options?: { isHead?: boolean; timeoutMs?: number }): Promise<RawResult>;
  /** The record of request `id` once the app has seen it; rejects after `ms`. */
  arrival(id: string, ms?: number): Promise<FaultRecord>;
  /** Resolves once logger.error or console.error got something; rejects after `ms`. */
  nextLog(ms?: number): Promise<unknown>;
}

let ids = 0;

/**
 * The process itself. Inside a test file `process` is jest's copy, whose listeners never hear of
 * an unhandled rejection or uncaught exception; code evaluated in the main context sees the real one.
 */
const realProcess = vm.runInThisContext('process') as NodeJS.Process;

/**
 * Sets up the app, server and bookkeeping for one suite (call at describe level). `begin()` runs
 * before each test and `check()` after it; a property calls both around every run as well.
 */
export function faultHarness(express: ExpressFactory, options: { autoCheck?: boolean; handlers?: Omit<Partial<RouteHandlersOptions>, 'logger'> } = {}): FaultHarness {
  const loggedErrors: unknown[] = [];
  const consoleErrors: unknown[][] = [];
  const processErrors: { event: string; error: unknown }[] = [];
  const logWaiters: ((value: unknown) => void)[] = [];
  const logged = (value: unknown) => {
    for (const wake of logWaiters.splice(0)) wake(value);
  };
  const logger = {
    warn: () => {},
    error: (error: Error) => {
      loggedErrors.push(error);
      logged(error);
    },
  };
  const handlers = handlersFor('faults', { ...options.handlers, logger });

  const records: FaultRecord[] = [];
  const arrivals = new Map<string, (record: FaultRecord) => void>();
  const app = express();
  app.get('/__express', (_req, res) => {
    res.send('express ok');
  });
  const recorder: RequestHandler = (req, res, next) => {
    const record = newRecord(req, res);
    records.push(record);
    if (record.id) arrivals.get(record.id)?.(record);
    next();
  };
  app.use(recorder);
  app.use(handlers);
  const fallThrough: RequestHandler = (req, res) => {
    const record = recordOf(req);
    record.calls.push('next');
    res.status(404).set('x-fault-outcome', 'next').type('text/plain').send('fell through');
  };
  app.use(fallThrough);
  const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
    const record = recordOf(req);
    record.calls.push('error');
    record.errors.push(error);
    record.headersSentAtError.push(res.headersSent);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader('x-fault-outcome', 'error');
    res.setHeader('content-type', 'text/plain');
    res.end('error');
  };
  app.use(errorHandler);

  const server = http.createServer(app);
  const openSockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    if (socket.destroyed) return;
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  };
  server.on('connection', track);

  const onUncaught = (error: unknown) => processErrors.push({ event: 'uncaughtException', error });
  const onUnhandled = (error: unknown) => processErrors.push({ event: 'unhandledRejection', error });
  let consoleSpy: jest.SpyInstance | undefined;
  let baseline = new Map<string, number>();

  beforeAll(async () => {
    realProcess.on('uncaughtException', onUncaught);
    realProcess.on('unhandledRejection', onUnhandled);
    consoleSpy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      consoleErrors.push(args);
      logged(args);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await handlers.ready;
    // Warm up once, so lazily created process-wide resources are part of every baseline.
    await harness.request({ path: '/p/warm-up' });
    await harness.request({ path: '/__express' });
    await settle();
  });
  afterAll(async () => {
    unwatchTimers();
    realProcess.off('uncaughtException', onUncaught);
    realProcess.off('unhandledRejection', onUnhandled);
    consoleSpy?.mockRestore();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => harness.begin());
  if (options.autoCheck !== false) afterEach(() => harness.check());

  /** Waits for every connection open now (either side) to close, failing after a while. */
  async function settle(): Promise<void> {
    const pending = [...openSockets].map((socket) => new Promise<void>((resolve) => (socket.destroyed && socket.closed ? resolve() : socket.once('close', () => resolve()))));
    await within(Promise.all(pending), SETTLE_TIMEOUT_MS, () => `${openSockets.size} connection(s) still open: ${describeSockets(openSockets)}`);
  }

  function recordOf(req: http.IncomingMessage): FaultRecord {
    return (req as unknown as { faultRecord: FaultRecord }).faultRecord;
  }

  function newRecord(req: http.IncomingMessage, res: http.ServerResponse): FaultRecord {
    const probes: { name: string; value: unknown }[] = [];
    const waiters = new Map<string, ((value: unknown) => void)[]>();
    let finished = false;
    let closedFlag = false;
    const record: FaultRecord = {
      id: typeof req.headers['x-fault-id'] === 'string' ? req.headers['x-fault-id'] : undefined,
      method: req.method ?? '',
      url: req.url ?? '',
      calls: [],
      errors: [],
      headersSentAtError: [],
      get outcome(): Outcome {
        const last = record.calls[record.calls.length - 1];
        if (last) return last;
        if (finished) return 'response';
        return closedFlag ? 'aborted' : 'pending';
      },
      closed: new Promise<void>((resolve) =>
        res.once('close', () => {
          closedFlag = true;
          resolve();
        }),
      ),
      probes,
      probed(name, ms = CLIENT_TIMEOUT_MS) {
        const seen = probes.find((entry) => entry.name === name);
        if (seen) return Promise.resolve(seen.value);
        const wait = new Promise<unknown>((resolve) => waiters.set(name, [...(waiters.get(name) ?? []), resolve]));
        return within(wait, ms, () => `the route never reported '${name}' (it reported ${JSON.stringify(probes.map((entry) => entry.name))})`);
      },
    };
    res.once('finish', () => (finished = true));
    // The route files report through this (see fixtures/faults/app/_lib/probe.ts).
    Object.assign(req, {
      faultRecord: record,
      faultProbe: (name: string, value: unknown) => {
        probes.push({ name, value });
        for (const wake of waiters.get(name) ?? []) wake(value);
        waiters.delete(name);
      },
    });
    return record;
  }

  async function checkCase(checkOptions: CheckOptions): Promise<void> {
    const problems: string[] = [];
    await settle();
    // Every response the app started has closed by now (its socket did).
    for (const record of records) {
      if (record.outcome === 'pending') problems.push(`request ${record.method} ${record.url} never closed its response`);
      if (record.calls.length > 1) problems.push(`request ${record.method} ${record.url} reached the end of the app ${record.calls.length} times: ${record.calls.join(', ')}`);
    }
    const plain = await harness.request({ path: '/__express' });
    if (plain.result.kind !== 'response' || plain.result.status !== 200 || plain.result.body.toString() !== 'express ok') {
      problems.push(`the plain Express route no longer answers: ${JSON.stringify(summary(plain.result))}`);
    }
    await settle();
    const leaked = await leakedResources(baseline);
    if (leaked) problems.push(`resources left active: ${leaked}`);
    // Under jest's fake clock the library's timers are fake ones, invisible to the process.
    if (fakeClockInstalled() && jest.getTimerCount() > 0) problems.push(`${jest.getTimerCount()} fake timer(s) still pending`);
    if (!checkOptions.allowConsoleErrors && consoleErrors.length > 0) problems.push(`console.error was called: ${consoleErrors.map((args) => args.map(describeValue).join(' ')).join(' | ')}`);
    if (!checkOptions.allowLoggedErrors && loggedErrors.length > 0) problems.push(`logger.error was called: ${loggedErrors.map(describeValue).join(' | ')}`);
    // Last: an error here is the most important finding, and should be what the case fails with.
    for (const { event, error } of processErrors) problems.unshift(`${event}: ${describeValue(error)}`);
    if (problems.length > 0) {
      const error = new Error(`fault check failed:\n- ${problems.join('\n- ')}`);
      const first = processErrors[0]?.error;
      if (isError(first)) error.stack = `${error.message}\ncaused by: ${first.stack}`;
      throw error;
    }
  }

  const harness: FaultHarness = {
    handlers,
    records,
    loggedErrors,
    consoleErrors,
    processErrors,
    get port() {
      return (server.address() as AddressInfo).port;
    },
    file: (route) => `${fixtureApp('faults')}/${route}`,

    begin() {
      records.splice(0);
      loggedErrors.splice(0);
      consoleErrors.splice(0);
      processErrors.splice(0);
      baseline = activeHandles();
      watchTimers();
    },

    async check(checkOptions = {}) {
      try {
        await checkCase(checkOptions);
      } finally {
        // A later check (the afterEach one after a test's own) looks at what happened after this one.
        records.splice(0);
        loggedErrors.splice(0);
        consoleErrors.splice(0);
        processErrors.splice(0);
      }
    },

    async request(clientOptions) {
      const { req, id } = harness.open(clientOptions);
      const result = await harness.answer(req, clientOptions.body, clientOptions.timeoutMs);
      return { result, record: records.find((record) => record.id === id), id };
    },

    answer(req, body, timeoutMs = CLIENT_TIMEOUT_MS) {
      return within(clientResult(req, body), timeoutMs, () => `no answer to ${req.method} ${req.path} within ${timeoutMs} ms (the request hangs)`, () => req.destroy());
    },

    open(clientOptions) {
      const id = `c${++ids}`;
      const headers: http.OutgoingHttpHeaders = { ...clientOptions.headers, 'x-fault-id': id };
      const req = http.request({ host: '127.0.0.1', port: harness.port, method: clientOptions.method ?? 'GET', path: clientOptions.path, headers, agent: false });
      req.on('socket', track);
      return { req, id };
    },

    async raw(bytes, rawOptions = {}) {
      const socket = net.connect(harness.port, '127.0.0.1');
      track(socket);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(bytes);
      await within(closed, rawOptions.timeoutMs ?? CLIENT_TIMEOUT_MS, () => `the server neither answered nor closed the connection for ${JSON.stringify(String(bytes).slice(0, 200))}`, () => socket.destroy());
      return parseRawResponse(Buffer.concat(chunks), rawOptions.isHead ?? false);
    },

    arrival(id, ms = CLIENT_TIMEOUT_MS) {
      const seen = records.find((candidate) => candidate.id === id);
      if (seen) return Promise.resolve(seen);
      const arrived = new Promise<FaultRecord>((resolve) => arrivals.set(id, resolve));
      return within(arrived, ms, () => `the app never saw request ${id}`).finally(() => arrivals.delete(id));
    },

    nextLog(ms = CLIENT_TIMEOUT_MS) {
      return within(new Promise<unknown>((resolve) => logWaiters.push(resolve)), ms, () => 'nothing was logged');
    },
  };
  return harness;
}

/** Collects what Node's client gets for `req`, ending the request with `body`. */
function clientResult(req: http.ClientRequest, body: string | Buffer | null | undefined): Promise<ClientResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ClientResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        done({
          kind: 'response',
          status: response.statusCode!,
          statusMessage: response.statusMessage!,
          headers: response.headers,
          rawHeaders: response.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      const cut = (error?: Error) =>
        done({ kind: 'truncated', status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks), error: error?.message ?? 'closed' });
      response.on('error', cut);
      response.on('close', () => (response.complete ? undefined : cut()));
    });
    req.on('error', (error) => done({ kind: 'closed', error: error.message }));
    if (body === null) return;
    if (body !== undefined && !req.headersSent && req.getHeader('content-length') === undefined && req.getHeader('transfer-encoding') === undefined) {
      req.setHeader('content-length', Buffer.byteLength(body));
    }
    req.end(body);
  });
}

/**
 * Parses one HTTP/1.1 response from the bytes a connection carried until it closed: interim 1xx
 * answers skipped, body framed by Transfer-Encoding chunked, Content-Length or the close.
 */
export function parseRawResponse(bytes: Buffer, isHead: boolean): RawResult {
  let offset = 0;
  for (;;) {
    if (offset >= bytes.length) return { kind: 'closed', bytes };
    const headEnd = bytes.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd === -1) return { kind: 'invalid', reason: 'the head never ended', bytes };
    const lines = bytes.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(lines[0]);
    if (!statusLine) return { kind: 'invalid', reason: `bad status line ${JSON.stringify(lines[0])}`, bytes };
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const field = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/.exec(line);
      if (!field) return { kind: 'invalid', reason: `bad header line ${JSON.stringify(line)}`, bytes };
      headers.push([field[1].toLowerCase(), field[2]]);
    }
    const status = Number(statusLine[1]);
    offset = headEnd + 4;
    if (status < 200 && status !== 101) continue;
    const rest = bytes.subarray(offset);
    const value = (name: string) => headers.filter(([candidate]) => candidate === name).map(([, v]) => v);
    const base = { kind: 'response' as const, status, reason: statusLine[2] ?? '', headers };
    if (isHead || status === 204 || status === 304) {
      return rest.length === 0 ? { ...base, body: Buffer.alloc(0), complete: true } : { kind: 'invalid', reason: `${rest.length} bytes after a bodyless answer`, bytes };
    }
    const encoding = value('transfer-encoding').join(',').toLowerCase();
    if (encoding) {
      if (!/(?:^|,)\s*chunked\s*$/.test(encoding)) return { ...base, body: rest, complete: true };
      return dechunk(rest, base);
    }
    const lengths = value('content-length');
    if (lengths.length > 0) {
      if (new Set(lengths).size > 1 || !/^\d+$/.test(lengths[0])) return { kind: 'invalid', reason: `Content-Length ${JSON.stringify(lengths)}`, bytes };
      const length = Number(lengths[0]);
      if (rest.length > length) return { kind: 'invalid', reason: `${rest.length - length} bytes after the body`, bytes };
      return { ...base, body: rest, complete: rest.length === length };
    }
    return { ...base, body: rest, complete: true };
  }
}

function dechunk(bytes: Buffer, base: { kind: 'response'; status: number; reason: string; headers: [string, string][] }): RawResult {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) return { ...base, body: Buffer.concat(parts), complete: false };
    const size = /^([0-9a-fA-F]+)(?:;.*)?$/.exec(bytes.subarray(offset, lineEnd).toString('latin1'));
    if (!size) return { kind: 'invalid', reason: 'bad chunk size line', bytes };
    const length = parseInt(size[1], 16);
    offset = lineEnd + 2;
    if (length === 0) {
      const end = bytes.indexOf('\r\n\r\n', offset - 2, 'latin1');
      if (end === -1) return { ...base, body: Buffer.concat(parts), complete: false };
      if (end + 4 !== bytes.length) return { kind: 'invalid', reason: 'bytes after the last chunk', bytes };
      return { ...base, body: Buffer.concat(parts), complete: true };
    }
    if (offset + length + 2 > bytes.length) {
      parts.push(bytes.subarray(offset, Math.min(bytes.length, offset + length)));
      return { ...base, body: Buffer.concat(parts), complete: false };
    }
    parts.push(bytes.subarray(offset, offset + length));
    if (bytes.toString('latin1', offset + length, offset + length + 2) !== '\r\n') return { kind: 'invalid', reason: 'chunk not followed by CRLF', bytes };
    offset += length + 2;
  }
}

/**
 * Timers and immediates are counted by `getActiveResourcesInfo()` too, but jest keeps its own
 * (test and hook timeouts, the reporter's status tick) coming and going in this process, so those
 * are watched here instead: every ref'd Timeout/Immediate created while a case runs, unless jest
 * created it, must be gone when the case ends.
 */
const timerTypes = new Set(['Timeout', 'Immediate']);
type TimerResource = { hasRef?: () => boolean; _destroyed?: boolean };
const liveTimers = new Map<number, { type: string; resource: TimerResource; origin: string }>();
let watchingTimers = false;
const timerHook = async_hooks.createHook({
  init(asyncId, type, _trigger, resource) {
    if (!watchingTimers || !timerTypes.has(type)) return;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 60;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    if (/[/\\]node_modules[/\\](?:@jest|jest-[^/\\]+|expect)[/\\]/.test(stack)) return;
    // The first frame past this hook and Node's internals: the harness's own timers are not the case's.
    const origin = stack.split('\n').slice(2).find((line) => !line.includes('(node:') && !line.includes(' node:'))?.trim() ?? 'unknown origin';
    if (origin.includes('faults.ts')) return;
    liveTimers.set(asyncId, { type, resource: resource as TimerResource, origin });
  },
  destroy(asyncId) {
    liveTimers.delete(asyncId);
  },
});

/** Starts watching the timers a case creates (see `timerHook`). */
function watchTimers(): void {
  liveTimers.clear();
  if (!watchingTimers) timerHook.enable();
  watchingTimers = true;
}

function unwatchTimers(): void {
  watchingTimers = false;
  timerHook.disable();
  liveTimers.clear();
}

/** Counts of `process.getActiveResourcesInfo()` by type, timers left out (see `timerHook`). */
function activeHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) if (!timerTypes.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/**
 * Describes handles and requests above the baseline and the case's timers still pending, or ''
 * when there are none. Close callbacks and immediates already queued get a few turns of the event
 * loop to run first; a timer does not, it is a leak.
 */
async function leakedResources(baseline: Map<string, number>): Promise<string> {
  let extra: string[] = [];
  for (let turn = 0; turn < 20; turn++) {
    extra = [...activeHandles()].filter(([type, count]) => count > (baseline.get(type) ?? 0)).map(([type, count]) => `${type} ×${count - (baseline.get(type) ?? 0)}`);
    for (const { type, resource, origin } of liveTimers.values()) {
      if (resource._destroyed === true || resource.hasRef?.() === false) continue;
      extra.push(`${type} created ${origin}`);
    }
    if (extra.length === 0) return '';
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return extra.join(', ');
}

/** Whether jest's modern fake timers replaced the clock (sinon's fake timers mark what they replaced). */
function fakeClockInstalled(): boolean {
  return typeof (setTimeout as unknown as { clock?: unknown }).clock === 'object';
}

/** `promise`, or a rejection naming `what` once `ms` passed (the timer is cleared either way). */
export function within<T>(promise: Promise<T>, ms: number, what: () => string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(what()));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeSockets(sockets: Set<net.Socket>): string {
  return [...sockets].map((socket) => `${socket.localPort}->${socket.remotePort}${socket.destroyed ? ' (destroyed)' : ''}`).join(', ');
}

/** An Error from any realm (route files run outside jest's sandbox, their errors fail `instanceof Error`). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

export function describeValue(value: unknown): string {
  if (isError(value)) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A short form of a client result for failure messages. */
export function summary(result: ClientResult): unknown {
  if (result.kind === 'closed') return result;
  return { kind: result.kind, status: result.status, headers: result.headers, body: result.body.toString('latin1').slice(0, 300) };
}

/**
 * Asserts that `error` is the descriptive error the middleware hands Express: a RouteHandlerError
 * naming the route file, the method and the URL.
 */
export function expectRouteError(error: unknown, file: string, method: string, url: string): void {
  expect(error).toBeInstanceOf(RouteHandlerError);
  const message = (error as Error).message;
  expect(message).toContain(`'${file}'`);
  expect(message).toContain(`method: ${method}`);
  expect(message).toContain(`url: ${url}`);
}
