/**
 * The default cache handler: one process, nothing shared. Entries live in an LRU bounded in bytes
 * (like Next's `cacheMaxMemorySize`, 50 MB by default), so a site with many large static responses
 * cannot grow the heap without bound. Tag invalidations are kept apart from the LRU: evicting an
 * entry is harmless (it is regenerated), forgetting an invalidation is not (an older copy could come
 * back as fresh), and they are tiny.
 */
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheHandler, CacheLock, TagInvalidation } from './cache-handler';
import { isPastExpire, KeyedWaiters, latest, lockTtl } from './handler-support';

export interface MemoryCacheHandlerOptions {
  /** Upper bound of the entries' estimated size in bytes (default 50 MB). A larger entry is not kept. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

interface HeldLock {
  expiresAt: number;
  timer: ReturnType<typeof setTimeout>;
}

export class MemoryCacheHandler implements CacheHandler {
  readonly #entries: LRUCache<string, CacheEntry>;
  readonly #tags = new Map<string, TagInvalidation>();
  readonly #locks = new Map<string, HeldLock>();
  readonly #updates = new KeyedWaiters();

  constructor(options: MemoryCacheHandlerOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`MemoryCacheHandler: maxBytes must be a positive integer, got ${String(options.maxBytes)}`);
    }
    this.#entries = new LRUCache<string, CacheEntry>({ maxSize: maxBytes, sizeCalculation: entrySize });
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Past `expire` an entry may not be served at all; dropping it here matches the Redis handler,
    // whose keys expire then.
    if (isPastExpire(entry, Date.now())) {
      this.#entries.delete(key);
      return undefined;
    }
    return copyEntry(entry, entry.body);
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    if (isPastExpire(entry, Date.now())) this.#entries.delete(key);
    // The body is copied once: the caller may reuse its buffer, and a small Buffer is often a view
    // into a shared 8 KB pool slab, which would be kept alive and make the byte accounting wrong.
    else this.#entries.set(key, copyEntry(entry, Buffer.from(entry.body)));
    this.#updates.signal(key);
  }

  async invalidateTags(tags: readonly string[], invalidation: TagInvalidation): Promise<void> {
    for (const tag of tags) this.#tags.set(tag, latest(this.#tags.get(tag) ?? {}, invalidation));
  }

  async tagInvalidation(tags: readonly string[]): Promise<TagInvalidation> {
    let result: TagInvalidation = {};
    for (const tag of tags) {
      const recorded = this.#tags.get(tag);
      if (recorded) result = latest(result, recorded);
    }
    return result;
  }

  async lock(key: string, ttlMs: number): Promise<CacheLock | undefined> {
    const now = Date.now();
    const held = this.#locks.get(key);
    // The expiry timer may not have run yet (busy event loop): the time decides, not the timer.
    if (held && held.expiresAt > now) return undefined;
    if (held) this.#dropLock(key, held);

    const ttl = lockTtl(ttlMs);
    const lock: HeldLock = {
      expiresAt: now + ttl,
      // Expiry wakes the waiters, who may then take over a regeneration whose owner died or hung.
      // unref: a pending lock must not keep the process alive.
      timer: setTimeout(() => this.#dropLock(key, lock), ttl).unref(),
    };
    this.#locks.set(key, lock);
    return { release: async () => this.#dropLock(key, lock) };
  }

  async waitForUpdate(key: string, timeoutMs: number): Promise<void> {
    // Lock free already (released or expired between the caller's failed `lock` and this call):
    // the update we would wait for has happened, so waiting would only add `timeoutMs` of latency.
    const held = this.#locks.get(key);
    if (!held || held.expiresAt <= Date.now()) return;
    await this.#updates.wait(key, timeoutMs).done;
  }

  async close(): Promise<void> {
    for (const [key, lock] of this.#locks) this.#dropLock(key, lock);
    this.#updates.signalAll();
    this.#entries.clear();
  }

  /** Releases `lock` if it is still the one held for `key` (a late release must not free a successor's lock). */
  #dropLock(key: string, lock: HeldLock): void {
    if (this.#locks.get(key) !== lock) return;
    this.#locks.delete(key);
    clearTimeout(lock.timer);
    this.#updates.signal(key);
  }
}

/** Fixed cost per entry (object, numbers, LRU bookkeeping) and per string (header, tag), in bytes. */
const ENTRY_OVERHEAD = 256;
const STRING_OVERHEAD = 16;

/** Body bytes plus an estimate of the rest; lru-cache needs a positive integer. */
export function entrySize(entry: CacheEntry): number {
  let size = ENTRY_OVERHEAD + entry.body.byteLength + entry.etag.length;
  for (const [name, value] of Object.entries(entry.headers)) {
    size += STRING_OVERHEAD + name.length;
    for (const item of Array.isArray(value) ? value : [value]) size += STRING_OVERHEAD + item.length;
  }
  for (const tag of entry.tags) size += STRING_OVERHEAD + tag.length;
  return size;
}

/**
 * A copy whose headers and tags the caller may change without touching the stored entry (the Redis
 * handler has value semantics too). The body is shared on reads to keep hits cheap: treat it as
 * read-only.
 */
function copyEntry(entry: CacheEntry, body: Buffer): CacheEntry {
  const headers: CacheEntry['headers'] = {};
  for (const [name, value] of Object.entries(entry.headers)) headers[name] = Array.isArray(value) ? [...value] : value;
  return { ...entry, headers, tags: [...entry.tags], body };
}
