/**
 * The Redis cache handler when its Redis misbehaves, against a real redis-server process: stopped
 * (SIGSTOP: the socket stays open and nothing answers, so node-redis reports no error), continued
 * (SIGCONT: what it queued meanwhile is answered late), killed (SIGKILL) and restarted on the same
 * port, with requests in flight.
 *
 * Checked: after the first command left unanswered every call gives up at once (a breaker), so a
 * static GET answers uncached without waiting for Redis, and nothing but one probe PING reaches it
 * (Redis's own MONITOR feed says so once it runs again); HITs resume within a second of SIGCONT and
 * after a restart; one warning each way; a lock SET answered late is given back; nothing rejects
 * unhandled; close() leaves no timer or socket behind.
 *
 * Nothing sleeps: tests wait on warnings, answers, pub/sub messages and the MONITOR feed.
 */
import { createHook } from 'node:async_hooks';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ErrorRequestHandler } from 'express';
import { createClient } from 'redis';
import { RedisCacheHandler, routeHandlers, type RouteHandlersMiddleware } from '../lib';
import type { CacheEntry } from '../lib/cache/cache-handler';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { startRedisServer, type RedisServer } from './helpers/redis';

const APP_DIR = path.join(__dirname, 'fixtures', 'redis-faults', 'app');
/** Long, so that a call that waited for Redis stands out from one that did not. */
const COMMAND_TIMEOUT_MS = 2000;
/** "At once": well under the command timeout (a call that waited for Redis takes all of it), with room for a busy machine. */
const AT_ONCE_MS = COMMAND_TIMEOUT_MS / 2;
/** For tests where nothing else waits a whole timeout: they run quicker. */
const SHORT_TIMEOUT_MS = 500;
const CONCURRENCY = 30;
const DOWN = /Redis cache at .* is unavailable/;
const UP = /Redis cache at .* is available again/;

const rawClient = (url: string) => createClient({ url });
type RawClient = ReturnType<typeof rawClient>;

/** A private redis-server, a plain client to it, and the signals the tests send it. */
class Redis {
  #gone = false;

  private constructor(
    private readonly server: RedisServer,
    readonly client: RawClient,
    readonly pid: number,
  ) {}

  static async start(port?: number): Promise<Redis> {
    const server = await startRedisServer(port);
    const client = rawClient(server.url);
    client.on('error', () => undefined);
    await client.connect();
    const info = (await client.sendCommand(['INFO', 'server'])) as string;
    return new Redis(server, client, Number(/process_id:(\d+)/.exec(info)![1]));
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(this.pid, signal);
  }

  /** SIGKILL (a stopped process dies too); resolves once it exited. */
  async kill(): Promise<void> {
    this.client.destroy();
    this.#gone = true;
    process.kill(this.pid, 'SIGKILL');
    await this.server.stop();
  }

  async stop(): Promise<void> {
    if (this.#gone) return;
    this.#gone = true;
    this.client.destroy();
    process.kill(this.pid, 'SIGCONT'); // a stopped process would not act on SIGTERM
    await this.server.stop();
  }
}

/** Redis's MONITOR feed: every command it runs, in the order it runs them. */
class Monitor {
  readonly lines: string[] = [];
  readonly #events = new EventEmitter();

  private constructor(private readonly client: RawClient) {}

  static async start(redis: Redis): Promise<Monitor> {
    const client = redis.client.duplicate();
    client.on('error', () => undefined);
    await client.connect();
    const monitor = new Monitor(client);
    await client.monitor((line: string) => {
      monitor.lines.push(line);
      monitor.#events.emit('line');
    });
    return monitor;
  }

  /** Resolves once the feed shows everything Redis ran before a marker sent now. */
  async sync(redis: Redis): Promise<void> {
    const marker = `marker-${Math.random()}`;
    await redis.client.sendCommand(['ECHO', marker]);
    while (!this.lines.some((line) => line.includes(marker))) await once(this.#events, 'line');
  }

  /** Lines of commands naming `text` (a key or a command name, quoted as MONITOR quotes them). */
  naming(text: string): string[] {
    return this.lines.filter((line) => line.includes(text));
  }

  close(): void {
    this.client.destroy();
  }
}

/** The handler's warnings, which tests wait for. */
class Warnings {
  readonly messages: string[] = [];
  readonly #events = new EventEmitter();
  readonly warn = (message: string): void => {
    this.messages.push(message);
    this.#events.emit('warning');
  };

  count(pattern: RegExp): number {
    return this.messages.filter((message) => pattern.test(message)).length;
  }

  async until(pattern: RegExp, count = 1): Promise<void> {
    while (this.count(pattern) < count) await once(this.#events, 'warning');
  }
}

interface Sent {
  path: string;
  status: number;
  body: string;
  cache: string | undefined;
  startedAt: number;
  finishedAt: number;
}

/** `concurrency` clients, each requesting `path()` again as soon as it has an answer, until stopped. */
class Load {
  readonly answers: Sent[] = [];
  /** Requests in flight, per path. */
  readonly #inFlight = new Map<string, number>();
  readonly #events = new EventEmitter();
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #workers: Promise<void>[];
  #stopped = false;

  constructor(
    port: number,
    concurrency: number,
    public path: () => string,
  ) {
    this.#events.setMaxListeners(0);
    this.#workers = Array.from({ length: concurrency }, async () => {
      while (!this.#stopped) {
        const pathname = this.path();
        this.#inFlight.set(pathname, (this.#inFlight.get(pathname) ?? 0) + 1);
        const startedAt = performance.now();
        const answer = await httpRequest(port, { path: pathname, agent: this.#agent }).catch((error: Error) => ({
          status: 0,
          body: String(error),
          headers: {} as http.IncomingHttpHeaders,
        }));
        const sent = { path: pathname, status: answer.status, body: answer.body, cache: answer.headers['x-nextjs-cache'] as string | undefined, startedAt, finishedAt: performance.now() };
        this.#inFlight.set(pathname, this.#inFlight.get(pathname)! - 1);
        this.answers.push(sent);
        this.#events.emit('answer', sent);
      }
    });
  }

  /** The first answer from now on that `test` accepts. */
  next(test: (sent: Sent) => boolean): Promise<Sent> {
    return new Promise((resolve) => {
      const listener = (sent: Sent): void => {
        if (!test(sent)) return;
        this.#events.off('answer', listener);
        resolve(sent);
      };
      this.#events.on('answer', listener);
    });
  }

  /** Resolves once `count` answers (so far) pass `test`. */
  async until(test: (sent: Sent) => boolean, count: number): Promise<void> {
    while (this.answers.filter(test).length < count) await once(this.#events, 'answer');
  }

  /** Resolves once no request for a path that `test` accepts is in flight. */
  async drained(test: (pathname: string) => boolean): Promise<void> {
    while ([...this.#inFlight].some(([pathname, count]) => count > 0 && test(pathname))) await once(this.#events, 'answer');
  }

  async stop(): Promise<Sent[]> {
    this.#stopped = true;
    await Promise.all(this.#workers);
    this.#agent.destroy();
    return this.answers;
  }
}

/** Every request answered 200 with its own id, from the cache or generated. */
function expectAllAnswered(answers: Sent[]): void {
  const wrong = answers.filter(
    (sent) => sent.status !== 200 || sent.body !== JSON.stringify({ id: sent.path.slice('/items/'.length) }) || !['HIT', 'MISS'].includes(sent.cache ?? ''),
  );
  expect(wrong.slice(0, 3)).toEqual([]);
}

function makeEntry(body = 'cached'): CacheEntry {
  return { status: 200, headers: {}, body: Buffer.from(body), etag: '"e"', generatedAt: Date.now(), revalidate: false, expire: 31536000, tags: [] };
}

/**
 * Timers and sockets created from now on by the handler or node-redis, until Node reports them
 * cleared or closed (async_hooks 'destroy', which comes in an immediate: hence the wait for the next
 * turn). A process-wide count would be noisy: jest's reporter has timers of its own.
 */
function watchResources(): { keepingAlive(): Promise<string[]>; handlerTimers(): Promise<number>; stop(): void } {
  const alive = new Map<number, { type: string; byHandler: boolean; resource: { hasRef?(): boolean } }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type !== 'Timeout' && type !== 'TCPWRAP') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      const frames = (new Error().stack ?? '').split('\n').slice(1);
      Error.stackTraceLimit = limit;
      if (!frames.some((frame) => /[/\\](lib[/\\]cache|@redis)[/\\]/.test(frame))) return;
      // Made by the handler's own code, rather than by node-redis on the handler's behalf.
      const maker = frames.find((frame) => !frame.includes('node:') && !frame.includes(__filename));
      const byHandler = /[/\\]lib[/\\]cache[/\\]/.test(maker ?? '');
      alive.set(id, { type, byHandler, resource: resource as { hasRef?(): boolean } });
    },
    destroy(id) {
      alive.delete(id);
    },
  }).enable();
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    /** Those that keep the process alive: ref'd. */
    keepingAlive: async () => {
      await nextTurn();
      return [...alive.values()].filter(({ resource }) => resource.hasRef?.() ?? true).map(({ type }) => type).sort();
    },
    /** The handler's own pending timers, unref'd ones included (node-redis's unref'd command timeouts run out by themselves). */
    handlerTimers: async () => {
      await nextTurn();
      return [...alive.values()].filter(({ type, byHandler }) => type === 'Timeout' && byHandler).length;
    },
    stop: () => void hook.disable(),
  };
}

async function timed(promise: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await promise;
  return performance.now() - start;
}

/** `promise`, or a failure saying `what` did not happen: a bound for a test that would otherwise hang. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves on the next `message` published on `channel` (subscribed before it returns). */
async function nextMessage(redis: Redis, channel: string, message: string): Promise<{ heard: Promise<void>; close(): void }> {
  const subscriber = redis.client.duplicate();
  subscriber.on('error', () => undefined);
  await subscriber.connect();
  let resolve!: () => void;
  const heard = new Promise<void>((r) => (resolve = r));
  await subscriber.subscribe(channel, (received) => {
    if (received === message) resolve();
  });
  return { heard, close: () => subscriber.destroy() };
}

let prefixCount = 0;
const nextPrefix = (): string => `faults${++prefixCount}:`;

describe.each(expressVersions)('a static route under load while Redis misbehaves (%s)', (_name, express) => {
  let redis: Redis;
  let warnings: Warnings;
  let libraryWarnings: string[];
  let errors: unknown[];
  let handlers: RouteHandlersMiddleware;
  let server: http.Server;
  let port: number;
  const get = (pathname: string) => httpRequest(port, { path: pathname });

  beforeEach(async () => {
    redis = await Redis.start();
    warnings = new Warnings();
    libraryWarnings = [];
    errors = [];
    const cache = new RedisCacheHandler({ url: redis.url, keyPrefix: nextPrefix(), commandTimeoutMs: COMMAND_TIMEOUT_MS, logger: warnings });
    handlers = routeHandlers({ appDir: APP_DIR, cache, logger: { warn: (message: string) => void libraryWarnings.push(message) } });
    const app = express();
    app.use(handlers);
    app.use(((error, _req, res, _next) => {
      errors.push(error);
      res.status(500).end();
    }) as ErrorRequestHandler);
    await handlers.ready;
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    expect((await get('/items/warm')).headers['x-nextjs-cache']).toBe('MISS');
    expect((await get('/items/warm')).headers['x-nextjs-cache']).toBe('HIT');
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await handlers.close();
    await redis.stop();
    expect(errors).toEqual([]);
    expect(libraryWarnings).toEqual([]);
  });

  it('stopped: after the first timeout no request waits for Redis or reaches it; continued: a HIT within a second', async () => {
    const monitor = await Monitor.start(redis);
    const load = new Load(port, CONCURRENCY, () => '/items/warm');
    try {
      await load.next((sent) => sent.cache === 'HIT');

      redis.signal('SIGSTOP');
      await warnings.until(DOWN); // the requests in flight wait out COMMAND_TIMEOUT_MS once

      // From now on every request has a key of its own, so any command about it that reached Redis
      // would show in the MONITOR feed once Redis runs again.
      let count = 0;
      load.path = () => `/items/stalled-${++count}`;
      const stalled = (pathname: string): boolean => pathname.startsWith('/items/stalled-');
      const first = await within(load.next((sent) => stalled(sent.path)), COMMAND_TIMEOUT_MS, 'no request was answered without waiting for Redis');
      expect(first.finishedAt - first.startedAt).toBeLessThan(AT_ONCE_MS);
      await load.until((sent) => stalled(sent.path), 200);
      load.path = () => '/items/warm';
      await load.drained(stalled);

      redis.signal('SIGCONT');
      const continuedAt = performance.now();
      const hit = await load.next((sent) => sent.cache === 'HIT');
      expect(hit.finishedAt - continuedAt).toBeLessThan(1000);
      await warnings.until(UP);

      const answers = await load.stop();
      expectAllAnswered(answers);
      const slowest = Math.max(...answers.filter((sent) => stalled(sent.path)).map((sent) => sent.finishedAt - sent.startedAt));
      expect(slowest).toBeLessThan(AT_ONCE_MS);
      // Answered uncached while stopped, from the cache again afterwards.
      expect(answers.filter((sent) => stalled(sent.path) && sent.cache !== 'MISS')).toEqual([]);

      // "Available again" came after the probe's PONG, so Redis has run all the handler sent meanwhile.
      await monitor.sync(redis);
      expect(monitor.naming('/items/stalled-')).toEqual([]);
      expect(monitor.naming('"PING"')).toHaveLength(1);
      expect(warnings.messages).toHaveLength(2);
      expect(warnings.messages[0]).toMatch(new RegExp(`${DOWN.source} \\(no answer within ${COMMAND_TIMEOUT_MS} ms\\)`));
      expect(warnings.messages[1]).toMatch(UP);
    } finally {
      await load.stop();
      monitor.close();
    }
  });

  it('killed and restarted on the same port: answered uncached meanwhile, then HITs again', async () => {
    const load = new Load(port, CONCURRENCY, () => '/items/warm');
    try {
      await load.next((sent) => sent.cache === 'HIT');

      const redisPort = redis.port;
      await redis.kill();
      await warnings.until(DOWN);
      const downAt = performance.now();
      await load.until((sent) => sent.startedAt > downAt, 100);

      // (Starting redis-server blocks this process a moment: spawnSync. Requests then take longer.)
      const restartAt = performance.now();
      redis = await Redis.start(redisPort); // empty: no persistence
      await warnings.until(UP);
      const upAt = performance.now();
      // The first request after it is back stores the entry again; one of the next ones is a HIT.
      const hit = await load.next((sent) => sent.cache === 'HIT' && sent.startedAt > upAt);
      expect(hit.status).toBe(200);

      const answers = await load.stop();
      expectAllAnswered(answers);
      const whileDown = answers.filter((sent) => sent.startedAt > downAt && sent.finishedAt < restartAt);
      expect(whileDown.length).toBeGreaterThanOrEqual(100);
      expect(whileDown.filter((sent) => sent.cache !== 'MISS' || sent.finishedAt - sent.startedAt >= AT_ONCE_MS)).toEqual([]);
      expect(warnings.messages).toHaveLength(2);
      expect(warnings.messages[0]).toMatch(DOWN);
      expect(warnings.messages[1]).toMatch(UP);
    } finally {
      await load.stop();
    }
  });
});

describe('RedisCacheHandler with Redis stopped (SIGSTOP)', () => {
  let redis: Redis;
  let warnings: Warnings;
  let prefix: string;
  const closing: { close(): Promise<void> | void }[] = [];
  const handler = (commandTimeoutMs = COMMAND_TIMEOUT_MS): RedisCacheHandler => {
    const cache = new RedisCacheHandler({ url: redis.url, keyPrefix: prefix, commandTimeoutMs, logger: warnings });
    closing.push(cache);
    return cache;
  };

  beforeEach(async () => {
    redis = await Redis.start();
    warnings = new Warnings();
    prefix = nextPrefix();
  });

  afterEach(async () => {
    for (const resource of closing.splice(0)) await resource.close();
    await redis.stop();
  });

  it('a SUBSCRIBE that times out opens the breaker too: then every call answers at once, nothing reaches Redis', async () => {
    const cache = handler();
    await cache.set('k', makeEntry());
    await cache.waitForUpdate('k', 10_000); // the lock is free: returns once subscribed, with the subscriber connection open
    const monitor = await Monitor.start(redis);
    closing.push(monitor);

    redis.signal('SIGSTOP');
    // The first command since: a SUBSCRIBE on the subscriber connection, which gets no answer.
    await cache.waitForUpdate('w', 30_000);
    expect(warnings.messages).toEqual([expect.stringMatching(new RegExp(`${DOWN.source} \\(no answer within ${COMMAND_TIMEOUT_MS} ms\\)`))]);

    const degraded = timed(
      (async () => {
        expect(await cache.get('k')).toBeUndefined(); // stored, but Redis cannot be asked
        await cache.set('after-set', makeEntry());
        const lock = await cache.lock('after-lock', 60_000);
        expect(lock).toBeDefined(); // a no-op lock: generate uncached
        await lock!.release();
        await cache.invalidateTags(['kept'], { expiredAt: 42 });
        expect(await cache.tagInvalidation(['kept'])).toEqual({ expiredAt: 42 }); // known locally
        await cache.waitForUpdate('after-wait', 30_000);
      })(),
    );
    expect(await degraded).toBeLessThan(AT_ONCE_MS);

    redis.signal('SIGCONT');
    await warnings.until(UP);
    expect(warnings.messages[1]).toContain('recorded 1 tag invalidation(s)');
    expect(await cache.get('k')).toBeDefined();
    await monitor.sync(redis);
    expect(monitor.naming('after-')).toEqual([]);
    expect(monitor.naming('"PING"')).toHaveLength(1);
    expect(warnings.messages).toHaveLength(2);
  });

  it('gives back a lock whose SET timed out and was applied when Redis ran again', async () => {
    const cache = handler(SHORT_TIMEOUT_MS);
    await cache.set('warm', makeEntry());
    const released = await nextMessage(redis, `${prefix}update:k`, 'release');
    closing.push(released);

    redis.signal('SIGSTOP');
    const lock = await cache.lock('k', 60_000); // waits out the deadline; the SET stays queued in Redis's socket
    expect(lock).toBeDefined();
    await lock!.release(); // a no-op lock's release sends nothing

    redis.signal('SIGCONT');
    // Held by nobody, the lock would make every process wait for it up to 60 s.
    await within(released.heard, 5000, 'the lock taken late was not given back');
    expect(await redis.client.exists(`${prefix}lock:k`)).toBe(0);
    await warnings.until(UP);

    const other = new RedisCacheHandler({ url: redis.url, keyPrefix: prefix });
    closing.push(other);
    const otherLock = await other.lock('k', 60_000);
    expect(otherLock).toBeDefined();
    expect(await redis.client.pTTL(`${prefix}lock:k`)).toBeGreaterThan(0); // a real lock this time
    await otherLock!.release();
    expect(warnings.messages).toHaveLength(2);
  });

  it('stopped, then killed while stopped, then restarted on the same port: calls never wait, entries are stored again', async () => {
    const cache = handler(SHORT_TIMEOUT_MS);
    await cache.set('k', makeEntry());
    redis.signal('SIGSTOP');
    expect(await cache.get('k')).toBeUndefined(); // the first timeout
    await warnings.until(DOWN);

    const redisPort = redis.port;
    await redis.kill();
    expect(await timed(Promise.all([cache.get('k'), cache.set('k', makeEntry()), cache.lock('k', 1000)]))).toBeLessThan(SHORT_TIMEOUT_MS / 2);

    redis = await Redis.start(redisPort);
    await warnings.until(UP);
    await cache.set('k', makeEntry('again'));
    expect((await cache.get('k'))?.body.toString()).toBe('again');
    expect(warnings.messages).toHaveLength(2);
  });

  it('close() while stalled returns at once and leaves no timer or socket behind', async () => {
    const sockets = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
    const baseline = sockets();
    const created = watchResources();
    try {
      const cache = handler(SHORT_TIMEOUT_MS);
      await cache.set('k', makeEntry());
      await cache.waitForUpdate('k', 10_000); // the subscriber connection too
      redis.signal('SIGSTOP');
      expect(await cache.get('k')).toBeUndefined(); // the first timeout opens the breaker
      await warnings.until(DOWN);
      // While it is open, nothing of the handler's keeps the process alive but its two sockets: the
      // probe waits on an unref'd timer or on its PING.
      expect(await created.keepingAlive()).toEqual(['TCPWRAP', 'TCPWRAP']);
      expect(sockets()).toBe(baseline + 2);

      expect(await timed(cache.close())).toBeLessThan(SHORT_TIMEOUT_MS / 2); // no graceful QUIT that a stopped server would not answer
      expect(await created.keepingAlive()).toEqual([]);
      expect(await created.handlerTimers()).toBe(0); // the probe stopped, not just unref'd
      expect(sockets()).toBe(baseline);
    } finally {
      created.stop();
    }
  });
});

describe('RedisCacheHandler with Redis stopped, in a real process (no jest in between)', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await Redis.start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('late answers after SIGCONT leave no unhandled rejection; close() while stalled lets the process exit', async () => {
    const prefix = nextPrefix();
    const child = await forkCacheProcess(redis.url, prefix);
    const released = await nextMessage(redis, `${prefix}update:k`, 'release');
    try {
      await child.call('set', 'k', { ...makeEntry(), body: [...Buffer.from('cached')] });
      await child.call('waitForUpdate', 'k', 10_000);

      redis.signal('SIGSTOP');
      expect(await child.call('lock', 'k', 60_000)).toBe(true); // the first timeout; its SET waits in Redis
      await child.call('release', 'k');
      expect(await child.call('get', 'k')).toBeUndefined();
      await child.call('invalidateTags', ['kept'], { staleAt: 1 });
      await child.call('waitForUpdate', 'k2', 10_000);

      redis.signal('SIGCONT');
      await within(released.heard, 5000, 'the lock taken late was not given back');
      // "Available again" follows the probe's PONG, i.e. every late answer on the main connection.
      let report: Report;
      const deadline = performance.now() + 5000;
      do report = await child.call<Report>('report');
      while (report.warnings.length < 2 && performance.now() < deadline);
      expect(report.warnings).toEqual([expect.stringMatching(DOWN), expect.stringMatching(/available again; recorded 1 tag invalidation/)]);

      redis.signal('SIGSTOP');
      expect(await child.call('get', 'k')).toBeUndefined(); // opens the breaker again
      report = await child.call<Report>('report');
      expect(report.unhandledRejections).toEqual([]);
      expect(report.uncaughtExceptions).toEqual([]);
      await child.exit(); // resolves once the process exited: close() left nothing that keeps it alive
    } finally {
      released.close();
      child.kill();
      redis.signal('SIGCONT');
    }
  });
});

interface Report {
  warnings: string[];
  unhandledRejections: string[];
  uncaughtExceptions: string[];
}

/** A node process running the built handler (dist/), driven over IPC (see helpers/redis-cache-process.js). */
async function forkCacheProcess(url: string, keyPrefix: string) {
  const script = path.resolve(__dirname, 'helpers/redis-cache-process.js');
  if (!existsSync(path.resolve(__dirname, '../dist/cache/redis-cache.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const child: ChildProcess = fork(script, [url, keyPrefix], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  await once(child, 'message'); // { ready: true }
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) call?.resolve(message.result);
    else call?.reject(new Error(`in the cache process: ${message.error}`));
  });
  let nextId = 0;
  const call = <T = unknown>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, op, args });
    });
  return {
    call,
    async exit(): Promise<void> {
      await call('close');
      await exited;
    },
    kill(): void {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
