/**
 * Private Redis servers for the tests: each suite starts its own `redis-server` on a free port, with
 * no persistence and a temp dir, and stops it afterwards. On a fresh machine `redis-server` is
 * installed first by scripts/redis-server.sh (the jest globalSetup does that once per run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const INSTALL_SCRIPT = path.resolve(__dirname, '../../scripts/redis-server.sh');
/** Set by the globalSetup when installing failed, so that workers don't run apt-get again. */
const UNAVAILABLE_ENV = 'ERH_TEST_REDIS_SERVER_UNAVAILABLE';

/** The `redis-server` binary's path; installs Debian's package when it is missing. */
export function ensureRedisServer(): string {
  const unavailable = process.env[UNAVAILABLE_ENV];
  if (unavailable) throw new Error(unavailable);
  // The script is a no-op (it just prints the path) when the binary is there. apt's output goes to
  // stderr, shown as it happens: an install takes a while.
  const run = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = run.stdout?.trim().split('\n').pop();
  if (run.status !== 0 || !bin) {
    throw new Error(`redis-server is missing and scripts/redis-server.sh could not install it (exit ${run.status ?? run.signal})`);
  }
  return bin;
}

/** For jest's globalSetup: the install (if any) happens here, once, before workers start. */
export function ensureRedisServerOnce(): void {
  try {
    ensureRedisServer();
  } catch (error) {
    // Don't fail unrelated suites: the Redis suites report this message themselves.
    process.env[UNAVAILABLE_ENV] = (error as Error).message;
  }
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (redis-server has no `--port 0`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on `port` (default: a free one) and resolves once it accepts connections.
 * A free port can be taken by someone else before redis binds it; then another one is tried.
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const bin = ensureRedisServer();
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await freePort());
    try {
      return await launch(bin, chosen);
    } catch (error) {
      if (port !== undefined || attempt === 3 || !/already in use/i.test(String(error))) throw error;
    }
  }
}

async function launch(bin: string, port: number): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'erh-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // If the worker dies without running afterAll, don't leave the server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanUp = (): void => {
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await readyLine(child);
  } catch (error) {
    child.kill('SIGKILL');
    cleanUp();
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanUp();
    },
  };
}

/** Resolves on redis's "Ready to accept connections" log line; rejects with its output if it exits first. */
function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.removeListener('data', onData);
        child.removeListener('exit', onExit);
        child.stdout?.resume(); // keep draining, so a chatty server never blocks on a full pipe
        resolve();
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('exit', onExit);
    child.once('error', reject);
  });
}
