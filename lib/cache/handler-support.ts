/**
 * What both cache handlers share, so that they behave the same: per-key wake-ups for
 * `waitForUpdate`, and the small rules about times (entry expiry, tag-invalidation merging, lock TTLs).
 */
import type { CacheEntry, TagInvalidation } from './cache-handler';

/** Node turns a longer timer delay into 1 ms; clamp instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A request that lost the regeneration-lock race parks on a `Waiter`, which settles when its key is
 * signalled (entry set, lock released) or a timer fires. Event driven on purpose: polling the cache
 * would add latency and load exactly when a hot key is being regenerated.
 */
export interface Waiter {
  /** Settles once: on `signal(key)`, `wake()`, or a timer; never rejects. */
  readonly done: Promise<void>;
  /** Ends this wait now (e.g. the awaited lock turned out to be free already). */
  wake(): void;
  /** Ends this wait after `ms` at the latest (e.g. when the awaited lock's TTL runs out). */
  wakeWithin(ms: number): void;
}

export class KeyedWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #onIdle: ((key: string) => void) | undefined;

  /** `onIdle(key)` runs when the last waiter of `key` is gone (the Redis handler unsubscribes then). */
  constructor(onIdle?: (key: string) => void) {
    this.#onIdle = onIdle;
  }

  /** Waits for the next `signal(key)`, at most `timeoutMs`. */
  wait(key: string, timeoutMs: number): Waiter {
    let waiters = this.#waiting.get(key);
    if (!waiters) {
      waiters = new Set();
      this.#waiting.set(key, waiters);
    }
    const own = waiters;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const timers: ReturnType<typeof setTimeout>[] = [];
    const wake = (): void => {
      if (!own.delete(wake)) return; // already woken
      for (const timer of timers) clearTimeout(timer);
      if (own.size === 0 && this.#waiting.get(key) === own) {
        this.#waiting.delete(key);
        this.#onIdle?.(key);
      }
      resolve();
    };
    own.add(wake);
    const wakeWithin = (ms: number): void => {
      // A woken waiter's timer would only hold the event loop open (e.g. during shutdown).
      if (own.has(wake)) timers.push(setTimeout(wake, clampDelay(ms)));
    };
    wakeWithin(timeoutMs);
    return { done, wake, wakeWithin };
  }

  /** Wakes every current waiter of `key`. */
  signal(key: string): void {
    const waiters = this.#waiting.get(key);
    if (waiters) for (const wake of [...waiters]) wake();
  }

  /** Wakes everyone (on close, or when updates can no longer be observed). */
  signalAll(): void {
    for (const key of [...this.#waiting.keys()]) this.signal(key);
  }
}

function clampDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/** True once `expire` seconds have passed since generation: the entry may no longer be served. */
export function isPastExpire(entry: CacheEntry, now: number): boolean {
  return now >= entry.generatedAt + entry.expire * 1000;
}

/** Per field the later time of the two, so a recorded invalidation never moves backwards. */
export function latest(a: TagInvalidation, b: TagInvalidation): TagInvalidation {
  const result: TagInvalidation = {};
  const staleAt = laterOf(a.staleAt, b.staleAt);
  const expiredAt = laterOf(a.expiredAt, b.expiredAt);
  if (staleAt !== undefined) result.staleAt = staleAt;
  if (expiredAt !== undefined) result.expiredAt = expiredAt;
  return result;
}

function laterOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * Lock TTLs are whole milliseconds ≥ 1, as Redis `PX` requires, and both handlers round the same way.
 * A lock must always expire (its holder may die), so a non-finite TTL gets the longest timer Node has.
 */
export function lockTtl(ttlMs: number): number {
  if (Number.isNaN(ttlMs)) return 1;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(ttlMs)));
}
