/**
 * A cache handler on Redis, for several processes or machines serving one site: they share entries,
 * tag invalidations and regeneration locks, so a page is regenerated once per site rather than once
 * per process, and `revalidateTag` in one process is seen by all.
 *
 * Data layout (every name starts with `keyPrefix`, default `erh:`):
 *   entry:<key>    hash { meta: JSON of the entry without its body (+ format version `v`), body: raw bytes },
 *                  expiring `expire` seconds after `generatedAt` (past that it may not be served anyway)
 *   tags:stale     hash { <tag>: ms }   staleAt per tag    } no TTL: forgetting an invalidation could let
 *   tags:expired   hash { <tag>: ms }   expiredAt per tag  } an older entry pass for fresh
 *   lock:<key>     string <random token>, PX = lock TTL; released by a compare-and-delete script
 *   update:<key>   pub/sub channel; 'set' is published after a set, 'release' after a release
 * The body is stored as bytes (no base64); multi-key operations run as Lua scripts, so they are atomic.
 * `get` reads the entry's tag times in the same script, so serving a cached answer is one round trip.
 * One Redis (or a primary with replicas) is assumed: the scripts touch keys of different hash slots.
 *
 * When Redis is unreachable, slow or failing, the cache must never fail or stall the site. Each call
 * waits at most `connectTimeoutMs` for a first connection and `commandTimeoutMs` for an answer; once a
 * connection attempt has failed, calls give up at once until the client (reconnecting in the
 * background) is back. A stalled Redis (process stopped, host swapping) keeps its socket open, so only
 * a deadline notices: after the first command left unanswered, calls give up at once until a PING
 * (one at a time, retried every 250 ms if it fails) is answered again. Commands sent before that are
 * answered late, if ever, and ignored then, except a lock SET: its late OK releases that lock. Then:
 *   get             → undefined: the caller regenerates and answers uncached (MISS).
 *   set             → resolves; the entry is not stored.
 *   lock            → a no-op lock: without Redis nobody can coordinate, and duplicate regeneration is
 *                     better than requests queueing behind an outage.
 *   waitForUpdate   → resolves at once (there is no winner to wait for).
 *   invalidateTags  → resolves; the invalidation is kept in memory, honoured by this process's
 *                     `tagInvalidation`, and written to Redis when it is back (times only move forward, so
 *                     replaying late is safe). Lost if this process exits first.
 *   tagInvalidation → what this process knows locally (usually nothing).
 * One warning is logged when Redis becomes unavailable and one when it is back; never one per request.
 */
import { randomUUID } from 'node:crypto';
import type { CacheEntry, CacheHandler, CacheLock, TagInvalidation } from './cache-handler';
import { isPastExpire, KeyedWaiters, latest, lockTtl } from './handler-support';
import { Connection, type ConnectionOptions, type PubSubListener, type RedisClient } from './redis-connection';

export interface RedisCacheHandlerOptions {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`; default `redis://localhost:6379`. */
  url?: string;
  /** Prefix of every key and channel, so several sites can share one Redis (default `erh:`). */
  keyPrefix?: string;
  /** How long a call waits for the first connection before giving up on Redis (default 500 ms). */
  connectTimeoutMs?: number;
  /** How long a call waits for Redis's answer before giving up (default 500 ms). */
  commandTimeoutMs?: number;
  /** Where the unavailable / back-again warnings go (default `console`). */
  logger?: { warn(message: string): void };
}

const DEFAULT_TIMEOUT_MS = 500;
const ENTRY_FORMAT = 1;
/** Returned by `#run` when Redis could not be asked; distinct from every reply (nil is `null`). */
const UNAVAILABLE = Symbol('unavailable');
const NO_OP_LOCK: CacheLock = { release: async () => undefined };

/** KEYS[1] entry. ARGV: meta, body, TTL ms ('' = none; ≤ 0 = already past expire, so drop), channel. */
const SET_ENTRY = `
redis.call('DEL', KEYS[1])
local ttl = tonumber(ARGV[3])
if ttl == nil or ttl > 0 then
  redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'body', ARGV[2])
  if ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
redis.call('PUBLISH', ARGV[4], 'set')
return 1`;

/**
 * KEYS[1] entry, KEYS[2] tags:stale, KEYS[3] tags:expired. The entry's meta and body, and in the
 * same round trip the invalidation times of the tags its meta lists (a HIT then costs one trip).
 */
const GET_ENTRY = `
local found = redis.call('HMGET', KEYS[1], 'meta', 'body')
if not found[1] then return {} end
local ok, meta = pcall(cjson.decode, found[1])
local tags = ok and type(meta) == 'table' and meta.tags
if type(tags) ~= 'table' or #tags == 0 then return {found[1], found[2], {}, {}} end
return {found[1], found[2], redis.call('HMGET', KEYS[2], unpack(tags)), redis.call('HMGET', KEYS[3], unpack(tags))}`;

/**
 * KEYS[1] tags:stale, KEYS[2] tags:expired. ARGV: (tag, staleAt, expiredAt)…, '' = leave unchanged.
 * A recorded time only moves forward, so concurrent and replayed invalidations commute.
 */
const INVALIDATE_TAGS = `
local function raise(hash, tag, at)
  if at == '' then return end
  local current = tonumber(redis.call('HGET', hash, tag))
  if current == nil or current < tonumber(at) then redis.call('HSET', hash, tag, at) end
end
for i = 1, #ARGV, 3 do
  raise(KEYS[1], ARGV[i], ARGV[i + 1])
  raise(KEYS[2], ARGV[i], ARGV[i + 2])
end
return 1`;

/** KEYS[1] lock. ARGV: token, channel. Deletes only our own lock: it may have expired and been retaken. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'release')
  return 1
end
return 0`;

export class RedisCacheHandler implements CacheHandler {
  readonly #url: string | undefined;
  readonly #prefix: string;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #connectionOptions: ConnectionOptions;
  readonly #logger: { warn(message: string): void };
  readonly #redis: typeof import('redis');
  /** Reply type mapping that makes bulk strings Buffers. */
  readonly #asBuffers: object;
  #main: Connection | undefined;
  #subscriber: Connection | undefined;
  #down = false;
  #closed = false;
  /** Waiters per update channel; the channel is unsubscribed when its last waiter leaves. */
  readonly #updates = new KeyedWaiters((channel) => this.#unsubscribe(channel));
  readonly #subscriptions = new Map<string, Promise<boolean>>();
  /** Invalidations Redis could not record yet, replayed when it is back. */
  readonly #unsent = new Map<string, TagInvalidation>();
  /** What `get` read for a returned entry's `tags` array, answered once by `tagInvalidation(entry.tags)`. */
  readonly #readWithEntry = new WeakMap<readonly string[], TagInvalidation>();

  constructor(options: RedisCacheHandlerOptions = {}) {
    // An empty REDIS_URL means "not set"; a malformed one is a configuration error worth failing startup for.
    this.#url = options.url || undefined;
    if (this.#url !== undefined && !/^rediss?:$/.test(new URL(this.#url).protocol)) {
      throw new TypeError(`RedisCacheHandler: url must start with redis:// or rediss://, got ${describeUrl(this.#url)}`);
    }
    this.#prefix = options.keyPrefix ?? 'erh:';
    this.#connectTimeoutMs = positive(options.connectTimeoutMs, 'connectTimeoutMs');
    this.#commandTimeoutMs = positive(options.commandTimeoutMs, 'commandTimeoutMs');
    this.#logger = options.logger ?? console;
    // Loaded here rather than at the top, so apps on the memory cache never load `redis`; and here
    // rather than on first use, so its load time is spent at startup, not in a request.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.#redis = require('redis') as typeof import('redis');
    this.#asBuffers = { [this.#redis.RESP_TYPES.BLOB_STRING]: Buffer };
    this.#connectionOptions = {
      connectTimeoutMs: this.#connectTimeoutMs,
      commandTimeoutMs: this.#commandTimeoutMs,
      TimeoutError: this.#redis.TimeoutError,
    };
  }

  /**
   * Whether calls can reach Redis now: false while the breaker is open (stalled) or the client is
   * reconnecting (refused). Not after an error reply: Redis answered, and only a call would tell
   * when it stops erring. The probe and node-redis's reconnection tell when it is back.
   */
  available(): boolean {
    const main = this.#main;
    return main === undefined || (!main.stalled && main.client.isReady);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const reply = await this.#run((client) =>
      client.sendCommand(['EVAL', GET_ENTRY, '3', this.#name('entry', key), this.#name('tags', 'stale'), this.#name('tags', 'expired')], {
        typeMapping: this.#asBuffers,
      }),
    );
    if (reply === UNAVAILABLE || !Array.isArray(reply)) return undefined;
    const entry = decodeEntry(reply);
    if (!entry || isPastExpire(entry, Date.now())) return undefined;
    this.#readWithEntry.set(entry.tags, { staleAt: latestTime(reply[2]), expiredAt: latestTime(reply[3]) });
    return entry;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const { body, ...rest } = entry;
    const meta = JSON.stringify({ v: ENTRY_FORMAT, ...rest });
    const ttl = entry.generatedAt + entry.expire * 1000 - Date.now();
    const ttlArg = Number.isFinite(ttl) ? String(Math.ceil(ttl)) : '';
    await this.#run((client) =>
      client.sendCommand(['EVAL', SET_ENTRY, '1', this.#name('entry', key), meta, body, ttlArg, this.#name('update', key)]),
    );
  }

  async invalidateTags(tags: readonly string[], invalidation: TagInvalidation): Promise<void> {
    if (tags.length === 0 || (invalidation.staleAt === undefined && invalidation.expiredAt === undefined)) return;
    if (!(await this.#writeInvalidations(tags.map((tag) => [tag, invalidation])))) {
      for (const tag of tags) this.#unsent.set(tag, latest(this.#unsent.get(tag) ?? {}, invalidation));
    }
  }

  async tagInvalidation(tags: readonly string[]): Promise<TagInvalidation> {
    let result: TagInvalidation = {};
    if (tags.length === 0) return result;
    const readWithEntry = this.#readWithEntry.get(tags);
    if (readWithEntry) {
      this.#readWithEntry.delete(tags);
      result = readWithEntry;
    } else {
      const reply = await this.#run((client) =>
        Promise.all([
          client.sendCommand(['HMGET', this.#name('tags', 'stale'), ...tags]),
          client.sendCommand(['HMGET', this.#name('tags', 'expired'), ...tags]),
        ]),
      );
      if (reply !== UNAVAILABLE) result = { staleAt: latestTime(reply[0]), expiredAt: latestTime(reply[1]) };
    }
    for (const tag of tags) {
      const unsent = this.#unsent.get(tag);
      if (unsent) result = latest(result, unsent);
    }
    return latest(result, {}); // drops absent fields
  }

  async lock(key: string, ttlMs: number): Promise<CacheLock | undefined> {
    const name = this.#name('lock', key);
    const token = randomUUID();
    const release = ['EVAL', RELEASE_LOCK, '1', name, token, this.#name('update', key)];
    let sent: Promise<unknown> | undefined;
    const reply = await this.#run((client) => (sent = client.sendCommand(['SET', name, token, 'NX', 'PX', String(lockTtl(ttlMs))])));
    if (reply === UNAVAILABLE) {
      // Generate uncached (see the header). A SET that only timed out may still take the lock when Redis
      // catches up; held by nobody, it would keep requests in every process waiting until its TTL. Its
      // late OK shows Redis answers again (before the breaker's PING can): give the lock back then.
      sent
        ?.then((late) => (late === 'OK' && !this.#closed ? this.#main?.command((client) => client.sendCommand(release)) : undefined))
        .catch(() => undefined);
      return NO_OP_LOCK;
    }
    if (reply !== 'OK') return undefined; // nil: someone holds it
    return {
      release: async () => {
        await this.#run((client) => client.sendCommand(release));
      },
    };
  }

  /**
   * Listens on the key's update channel, then looks at the lock: when it is already free (released or
   * expired before we listened) there is nothing to wait for; otherwise the wait also ends when the
   * lock's TTL runs out, since an expiry publishes nothing.
   */
  async waitForUpdate(key: string, timeoutMs: number): Promise<void> {
    if (!(timeoutMs > 0) || !(await this.#connection())) return;
    const subscriber = await this.#subscriberConnection();
    if (!subscriber) return;
    const channel = this.#name('update', key);
    // Registered before subscribing, so a message arriving right after SUBSCRIBE is not missed.
    const waiter = this.#updates.wait(channel, timeoutMs);
    if (await this.#subscribe(subscriber, channel)) {
      const ttl = await this.#run((client) => client.sendCommand(['PTTL', this.#name('lock', key)]));
      if (typeof ttl === 'number' && ttl > 0) waiter.wakeWithin(ttl);
      else waiter.wake(); // -2: no lock; -1: a lock without TTL (not ours); or Redis unavailable
    } else {
      waiter.wake();
    }
    await waiter.done;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#updates.signalAll();
    await Promise.all([this.#main?.close(this.#commandTimeoutMs), this.#subscriber?.close(this.#commandTimeoutMs)]);
  }

  #name(kind: 'entry' | 'lock' | 'update' | 'tags', key: string): string {
    return `${this.#prefix}${kind}:${key}`;
  }

  /** Runs `command` with a deadline; `UNAVAILABLE` (after logging once) when Redis could not answer. */
  async #run<T>(command: (client: RedisClient) => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    const connection = await this.#connection();
    if (!connection) return UNAVAILABLE;
    try {
      const reply = await connection.command(command);
      // Unless it raced a stall: then the breaker's probe tells when Redis is back.
      if (!connection.stalled) this.#reportUp();
      return reply;
    } catch (error) {
      this.#reportDown(error);
      return UNAVAILABLE;
    }
  }

  /** The main connection when it can take commands now (created on first use), else undefined. */
  async #connection(): Promise<Connection | undefined> {
    if (this.#closed) return undefined;
    try {
      this.#main ??= new Connection(this.#createClient(), this.#connectionOptions, {
        down: (error) => {
          // Waiters could not even read the entry they wait for.
          this.#updates.signalAll();
          this.#reportDown(error);
        },
        up: () => this.#reportUp(),
      });
    } catch (error) {
      this.#reportDown(error); // e.g. options node-redis rejects: the cache stays off, the site keeps working
      return undefined;
    }
    return (await this.#main.ready()) ? this.#main : undefined;
  }

  /**
   * A second connection for pub/sub (a subscribed RESP2 connection takes no other commands), opened
   * the first time a request waits, behind the main one's breaker. When it drops, waiters are woken:
   * they could not hear an update.
   */
  async #subscriberConnection(): Promise<Connection | undefined> {
    if (this.#closed || !this.#main) return undefined;
    this.#subscriber ??= this.#main.duplicate({
      down: (error) => {
        this.#updates.signalAll();
        this.#reportDown(error);
      },
      // "Available again" is for the main connection to say: commands go through it.
      up: () => undefined,
    });
    return (await this.#subscriber.ready()) ? this.#subscriber : undefined;
  }

  /** The connection is opened on first use: constructing the handler has no side effect. */
  #createClient(): RedisClient {
    const client = this.#redis.createClient({
      url: this.#url,
      // RESP2 works with every Redis-compatible server; we need nothing from RESP3.
      RESP: 2,
      // Reject commands while disconnected instead of queueing them until a reconnect.
      disableOfflineQueue: true,
      // Keeps our short timeouts: maintenance notifications relax them (to 10 s) on managed Redis.
      maintNotifications: 'disabled',
      commandOptions: { timeout: this.#commandTimeoutMs },
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        // Keep trying in the background (calls meanwhile give up at once): 100 ms, 200 ms, … 2 s.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    return client as unknown as RedisClient;
  }

  async #subscribe(subscriber: Connection, channel: string): Promise<boolean> {
    let subscribed = this.#subscriptions.get(channel);
    if (!subscribed) {
      subscribed = subscriber.command((client) => client.subscribe(channel, this.#onMessage)).then(
        () => true,
        (error: unknown) => {
          this.#reportDown(error);
          return false;
        },
      );
      this.#subscriptions.set(channel, subscribed);
    }
    return subscribed;
  }

  #unsubscribe(channel: string): void {
    this.#subscriptions.delete(channel);
    if (this.#closed || !this.#subscriber) return;
    this.#subscriber.client.unsubscribe(channel, this.#onMessage).catch(() => undefined);
  }

  readonly #onMessage: PubSubListener = (_message, channel) => this.#updates.signal(channel);

  async #writeInvalidations(invalidations: ReadonlyArray<readonly [string, TagInvalidation]>): Promise<boolean> {
    const args = invalidations.flatMap(([tag, { staleAt, expiredAt }]) => [tag, String(staleAt ?? ''), String(expiredAt ?? '')]);
    const keys = [this.#name('tags', 'stale'), this.#name('tags', 'expired')];
    const reply = await this.#run((client) => client.sendCommand(['EVAL', INVALIDATE_TAGS, '2', ...keys, ...args]));
    return reply !== UNAVAILABLE;
  }

  #reportDown(error: unknown): void {
    if (this.#closed || this.#down) return;
    this.#down = true;
    this.#logger.warn(
      `[express-route-handlers] Redis cache at ${describeUrl(this.#url)} is unavailable (${describeError(error)}); ` +
        'answering uncached until it is back.',
    );
  }

  #reportUp(): void {
    if (this.#closed || !this.#down) return;
    this.#down = false;
    void this.#replayInvalidations().then((replayed) =>
      this.#logger.warn(
        `[express-route-handlers] Redis cache at ${describeUrl(this.#url)} is available again` +
          (replayed ? `; recorded ${replayed} tag invalidation(s) made meanwhile.` : '.'),
      ),
    );
  }

  async #replayInvalidations(): Promise<number> {
    const unsent = [...this.#unsent];
    if (unsent.length === 0) return 0;
    this.#unsent.clear();
    if (await this.#writeInvalidations(unsent)) return unsent.length;
    for (const [tag, invalidation] of unsent) this.#unsent.set(tag, latest(this.#unsent.get(tag) ?? {}, invalidation));
    return 0;
  }
}

function decodeEntry(reply: unknown): CacheEntry | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [meta, body] = reply as unknown[];
  if (!Buffer.isBuffer(meta) || !Buffer.isBuffer(body)) return undefined; // missing, or half of an older write
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isStoredMeta(parsed)) return undefined; // another format version, or not ours: a miss
  const { v: _version, ...entry } = parsed;
  return { ...entry, body };
}

type StoredMeta = Omit<CacheEntry, 'body'> & { v: number };

function isStoredMeta(value: unknown): value is StoredMeta {
  if (typeof value !== 'object' || value === null) return false;
  const meta = value as Record<string, unknown>;
  return (
    meta.v === ENTRY_FORMAT &&
    typeof meta.status === 'number' &&
    typeof meta.headers === 'object' &&
    meta.headers !== null &&
    typeof meta.etag === 'string' &&
    typeof meta.generatedAt === 'number' &&
    (typeof meta.revalidate === 'number' || meta.revalidate === false) &&
    typeof meta.expire === 'number' &&
    Array.isArray(meta.tags)
  );
}

/** The latest of the times an HMGET answered (nil for tags never invalidated). */
function latestTime(reply: unknown): number | undefined {
  let result: number | undefined;
  for (const value of Array.isArray(reply) ? reply : []) {
    const time = value === null ? NaN : Number(Buffer.isBuffer(value) ? value.toString('latin1') : value);
    if (Number.isFinite(time) && (result === undefined || time > result)) result = time;
  }
  return result;
}

function positive(value: number | undefined, name: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`RedisCacheHandler: ${name} must be a positive number of ms`);
  return value;
}

/** The URL without credentials, for log lines. */
function describeUrl(url: string | undefined): string {
  if (!url) return 'redis://localhost:6379';
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}
