/**
 * node-redis clients made to fail fast, for the Redis cache handler. node-redis reports connection
 * trouble as 'error' events (an EventEmitter without an 'error' listener would crash the process) and
 * keeps reconnecting in the background; `Connection` turns that into a quick yes/no for each call.
 *
 * A stalled server (stopped, swapping, busy) is different: its socket stays open, so node-redis reports
 * no error and stays ready, and only a command's deadline notices. The first command that gets no answer
 * in time opens a breaker shared by the handler's connections: until a PING is answered again, they say
 * "not ready" at once instead of every call waiting out its own deadline.
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

export interface ConnectionOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** node-redis's error for a command it dropped unwritten after `commandTimeoutMs`: no answer either. */
  TimeoutError: new () => Error;
}

export interface ConnectionEvents {
  down(error: unknown): void;
  up(): void;
}

/** When the breaker's next PING goes out: after it opened, and after a PING failed (it fails at once offline). */
const PROBE_INTERVAL_MS = 250;

/** One node-redis client and its readiness. */
export class Connection {
  readonly client: RedisClient;
  readonly #options: ConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #breaker: Breaker;
  /** A connection attempt failed since the last 'ready': answer "not ready" at once, don't wait. */
  #failed = false;
  #closed = false;
  readonly #waiting = new Set<(ready: boolean) => void>();

  /** `sameServer`: a connection whose breaker this one shares (see `duplicate`); else this one probes. */
  constructor(client: RedisClient, options: ConnectionOptions, events: ConnectionEvents, sameServer?: Connection) {
    this.client = client;
    this.#options = options;
    this.#events = events;
    this.#breaker = sameServer ? sameServer.#breaker : new Breaker(() => client.sendCommand(['PING']), events);
    client.on('error', (error) => {
      this.#failed = true;
      this.#settle(false);
      events.down(error);
    });
    client.on('ready', () => {
      this.#failed = false;
      this.#settle(!this.#breaker.isOpen);
      // 'ready' proves no answer (on RESP2 node-redis sends nothing first, and a stopped server's kernel
      // still accepts connections): an open breaker stays open until its PING is answered, which says "up".
      if (!this.#breaker.isOpen) events.up();
    });
    // Settles once connected, or rejects once closed; failures meanwhile arrive as 'error' events.
    client.connect().catch(() => undefined);
  }

  /** A second connection to the same server (pub/sub), behind the same breaker. */
  duplicate(events: ConnectionEvents): Connection {
    return new Connection(this.client.duplicate(), this.#options, events, this);
  }

  /** True from a command that got no answer in time until the server answers a PING again. */
  get stalled(): boolean {
    return this.#breaker.isOpen;
  }

  /** Whether commands can be sent now; waits for a first connection at most `connectTimeoutMs`. */
  ready(): Promise<boolean> {
    if (this.#closed || this.#breaker.isOpen) return Promise.resolve(false);
    if (this.client.isReady) return Promise.resolve(true);
    if (this.#failed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#failed = true;
        this.#settle(false);
        this.#events.down(new Error(`no connection within ${this.#options.connectTimeoutMs} ms`));
      }, this.#options.connectTimeoutMs);
      this.#waiting.add((ready) => {
        clearTimeout(timer);
        resolve(ready);
      });
    });
  }

  /** `send(client)`, rejected after `commandTimeoutMs`; a command left unanswered opens the breaker. */
  async command<T>(send: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(send(this.client), this.#options.commandTimeoutMs);
    } catch (error) {
      if (error instanceof NoAnswerError || error instanceof this.#options.TimeoutError) this.#breaker.open(error);
      throw error;
    }
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#settle(false);
    this.#breaker.stop();
    try {
      // Graceful when connected (pending replies arrive first), bounded all the same. A stalled server
      // answers nothing: no use waiting for it.
      if (this.client.isReady && !this.#breaker.isOpen) await withDeadline(this.client.close(), timeoutMs);
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

/**
 * Open from the first command left unanswered until a PING is answered. The probe PING has no deadline
 * and is never doubled: replies on a socket come in order, so a second PING could not be answered before
 * the first, and the first is answered as soon as the server catches up. Only a PING that fails (the
 * socket dropped, the client is offline) is followed by another, a little later.
 */
class Breaker {
  readonly #ping: () => Promise<unknown>;
  readonly #events: ConnectionEvents;
  #open = false;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ping: () => Promise<unknown>, events: ConnectionEvents) {
    this.#ping = ping;
    this.#events = events;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  open(error: unknown): void {
    if (this.#open || this.#stopped) return;
    this.#open = true;
    this.#events.down(error);
    this.#probeSoon();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #probeSoon(): void {
    // Unref'd: waiting to probe must not keep the process alive.
    this.#timer = setTimeout(() => {
      this.#ping().then(
        () => {
          if (this.#stopped) return;
          this.#open = false;
          this.#events.up();
        },
        () => {
          if (!this.#stopped) this.#probeSoon();
        },
      );
    }, PROBE_INTERVAL_MS).unref();
  }
}

class NoAnswerError extends Error {}

/** `promise`, or a rejection after `ms`. (Its own later rejection stays handled: race subscribed to it.) */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
