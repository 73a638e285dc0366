/**
 * A node-redis client made to fail fast, for the Redis cache handler. node-redis reports connection
 * trouble as 'error' events (an EventEmitter without an 'error' listener would crash the process) and
 * keeps reconnecting in the background; `Connection` turns that into a quick yes/no for each call.
 */

/** The part of a node-redis client we use; a narrow view keeps node-redis's heavy generics out. */
export type PubSubListener = (message: string, channel: string) => void;
export interface RedisClient {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: ReadonlyArray<string | Buffer>, options?: { typeMapping?: object }): Promise<unknown>;
  subscribe(channel: string, listener: PubSubListener): Promise<void>;
  unsubscribe(channel: string, listener: PubSubListener): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  duplicate(): RedisClient;
  close(): Promise<void>;
  destroy(): void;
}

/** One node-redis client and its readiness. */
export class Connection {
  readonly client: RedisClient;
  readonly #connectTimeoutMs: number;
  readonly #events: { down(error: unknown): void; up(): void };
  /** A connection attempt failed since the last 'ready': answer "not ready" at once, don't wait. */
  #failed = false;
  #closed = false;
  readonly #waiting = new Set<(ready: boolean) => void>();

  constructor(client: RedisClient, connectTimeoutMs: number, events: { down(error: unknown): void; up(): void }) {
    this.client = client;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#events = events;
    client.on('error', (error) => {
      this.#failed = true;
      this.#settle(false);
      events.down(error);
    });
    client.on('ready', () => {
      this.#failed = false;
      this.#settle(true);
      events.up();
    });
    // Settles once connected, or rejects once closed; failures meanwhile arrive as 'error' events.
    client.connect().catch(() => undefined);
  }

  /** Whether commands can be sent now; waits for a first connection at most `connectTimeoutMs`. */
  ready(): Promise<boolean> {
    if (this.client.isReady) return Promise.resolve(true);
    if (this.#failed || this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#failed = true;
        this.#settle(false);
        this.#events.down(new Error(`no connection within ${this.#connectTimeoutMs} ms`));
      }, this.#connectTimeoutMs);
      this.#waiting.add((ready) => {
        clearTimeout(timer);
        resolve(ready);
      });
    });
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#settle(false);
    try {
      // Graceful when connected (pending replies arrive first), bounded all the same.
      if (this.client.isReady) await withDeadline(this.client.close(), timeoutMs);
    } catch {
      // fall through to destroy
    }
    this.client.destroy();
  }

  #settle(ready: boolean): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const resolve of waiting) resolve(ready);
  }
}

/** `promise`, or a rejection after `ms`. (Its own later rejection stays handled: race subscribed to it.) */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
