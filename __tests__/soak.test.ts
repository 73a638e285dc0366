import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// scripts/soak.mjs for 20 s (its server runs the built package, on Express 4): the mixed traffic
// must get only expected answers, produce every outcome, agree with the server's own counters and
// end with a stable verdict. A smoke test of the soak itself; `npm run soak` runs it for 10 minutes.

const root = path.join(__dirname, '..');
const DURATION = 20;

/** Every outcome the soak's traffic mix produces (its OUTCOMES list). */
const OUTCOMES = [
  'static-hit',
  'static-miss',
  'static-stale',
  'static-304',
  'stream',
  'stream-error-500',
  'stream-cut',
  'abort-mid-response',
  'abort-mid-body',
  'post-json',
  'post-text',
  'post-form',
  'payload-too-large',
  'timeout-504',
  'error-500',
  'cookies',
  'after',
  'redirect',
  'not-found-route',
  'fallthrough-404',
  'dynamic',
  'revalidate-path',
  'revalidate-tag',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

let run: Run;

function runSoak(): Promise<Run> {
  const started = Date.now();
  // Without jest's NODE_OPTIONS (vm modules): the soak and its server run as `npm run soak` runs them.
  const env = { ...process.env, NODE_OPTIONS: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/soak.mjs', '--duration', String(DURATION)], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: the soak server requires the built package. Run `npm run build` first (`npm test` does).');
  }
  run = await runSoak();
}, 60_000);

/** The output, shown when an assertion fails. */
const output = () => `exit ${run.code} after ${run.seconds.toFixed(1)} s\n${run.stdout}\n${run.stderr}`;

test('exits 0 with a stable verdict as its last line', () => {
  const lines = run.stdout.trim().split('\n');
  expect({ code: run.code, verdict: lines.at(-1) }).toEqual({ code: 0, verdict: expect.stringMatching(/^verdict: stable \(RSS median .* MB/) });
});

test('prints RSS and heap used once a second', () => {
  const perSecond = run.stdout.split('\n').filter((line) => /^\s*\d+s {2}rss +[\d.]+ MB {2}heap +[\d.]+\/ *[\d.]+ MB .* req\/s {2}unexpected 0$/.test(line));
  // One sample a second, give or take a late timer on a busy machine.
  expect(perSecond.length).toBeGreaterThanOrEqual(DURATION - 3);
  expect(perSecond.length).toBeLessThanOrEqual(DURATION + 1);
});

test('every outcome occurred, and no answer was unexpected', () => {
  expect(run.stdout).toMatch(/^outcomes \(\d+ expected, 0 unexpected\):$/m);
  const counts: Record<string, number> = {};
  for (const match of run.stdout.matchAll(/^ {2}([a-z0-9-]+) +(\d+)$/gm)) counts[match[1]] = Number(match[2]);
  const missing = OUTCOMES.filter((name) => !(counts[name] > 0));
  expect({ missing, output: missing.length > 0 ? output() : '' }).toEqual({ missing: [], output: '' });
});

test('the server’s counters agree with the client’s', () => {
  expect(run.stdout).toMatch(/^server counters: after\(\) runs \d+/m);
  expect(run.stdout).not.toMatch(/^problem:/m);
});
