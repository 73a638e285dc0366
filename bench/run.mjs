// Benchmarks the library ("ours") against hand-written Express handlers and a naive fetch adapter.
// Each measurement gets a fresh server process of its own, and only one server runs at a time, so
// servers never compete with each other for the machine's CPUs; autocannon runs here in the parent
// over loopback. Per round, the three servers of a scenario run back to back; the best round counts.
//
//   npm run bench                      (builds dist/ first)
//   BENCH_DURATION=10 node bench/run.mjs
//
// Env: BENCH_DURATION measured seconds per run (default 5), BENCH_ROUNDS runs per
// (server, scenario), best one kept (default 2), BENCH_CONNECTIONS (default 50),
// BENCH_SERVERS comma-separated subset of express,ours,naive (default all),
// BENCH_SCENARIOS comma-separated scenario ids (default all; see scenarios.mjs).
//
// The cache scenarios (see scenarios.mjs): "GET cached (HIT)" and "GET 304" compare ours' static
// cache with Express's own res.json (weak ETag, 304) and the naive adapter (no cache, no ETag: n/a
// for 304); "Redis HIT" runs ours with a RedisCacheHandler on a redis-server this runner starts on a
// free port and stops at the end (skipped with a message when redis-server is not installed).
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scenarios as allScenarios } from './scenarios.mjs';
import { SERVER_KINDS } from './servers.mjs';

const DURATION = positiveNumber('BENCH_DURATION', 5);
const ROUNDS = positiveNumber('BENCH_ROUNDS', 2);
const CONNECTIONS = positiveNumber('BENCH_CONNECTIONS', 50);
const WARMUP = 1;
const KINDS = process.env.BENCH_SERVERS ? process.env.BENCH_SERVERS.split(',').map((s) => s.trim()) : SERVER_KINDS;
const SCENARIO_IDS = process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim()) : undefined;
const scenarios = SCENARIO_IDS ? allScenarios.filter((s) => SCENARIO_IDS.includes(s.id)) : allScenarios;
/** The servers a scenario runs on: its own `kinds` (default all) among those selected. */
const kindsOf = (scenario) => KINDS.filter((kind) => (scenario.kinds ?? SERVER_KINDS).includes(kind));
// ours must reach this multiple of naive on every scenario flagged vsNaive.
const NAIVE_FACTOR = 2;

const serverScript = fileURLToPath(new URL('./servers.mjs', import.meta.url));
const resultsDir = fileURLToPath(new URL('../.bench/', import.meta.url));

function positiveNumber(name, fallback) {
  if (process.env[name] === undefined || process.env[name] === '') return fallback;
  const value = Number(process.env[name]);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Server processes

/** Forks one server variant and resolves with its port once it listens (route files compiled). */
async function startServer(kind, env = {}) {
  const child = fork(serverScript, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const message = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ type: 'error', message: 'did not start within 60 s' }), 60_000);
    child.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ type: 'error', message: `exited with code ${code} before listening` });
    });
  });
  if (message.type !== 'listening') {
    await stopServer(child);
    return { error: message.message };
  }
  return { child, base: `http://127.0.0.1:${message.port}` };
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------------------------------------
// A private redis-server for the "Redis HIT" scenario: a free port, no persistence, a temp dir.

/** A port that was free a moment ago (redis-server has no `--port 0`). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts redis-server; resolves with { url, stop } once it accepts connections, or rejects (ENOENT: not installed). */
async function startRedis() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'erh-bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const child = spawn(process.env.BENCH_REDIS_SERVER || 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // If this runner dies without stopping it, don't leave the server behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const cleanUp = () => {
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await new Promise((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
          if (output.includes('Ready to accept connections')) resolve();
        });
        child.stderr.on('data', (chunk) => (output += chunk));
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output.trim().split('\n').pop()}`)));
      });
    } catch (error) {
      child.kill('SIGKILL');
      cleanUp();
      if (attempt < 3 && /already in use/i.test(String(error))) continue;
      throw error;
    }
    child.stdout.resume(); // keep draining: a chatty server never blocks on a full pipe
    const exited = once(child, 'exit');
    return {
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        cleanUp();
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Checks: one request per scenario before measuring, so a broken server is reported, not timed.

/** Cookie strings compared by name=value plus attributes in any order and case. */
function normalizeCookie(cookie) {
  const [pair, ...attributes] = cookie.split(';').map((part) => part.trim());
  return [pair, ...attributes.map((a) => a.toLowerCase()).sort()].join('; ');
}

/**
 * One request with exactly the scenario's headers, as autocannon sends them. (Not fetch(): with an
 * If-None-Match it adds `Cache-Control: no-cache`, which rightly makes servers answer 200, not 304.)
 */
function send(base, { method, path: target, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const url = new URL(base + target);
    const outgoing = { ...headers };
    if (body !== undefined) outgoing['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: outgoing, agent: false, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          header: (name) => (Array.isArray(res.headers[name]) ? res.headers[name].join(', ') : (res.headers[name] ?? null)),
          setCookies: res.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function checkScenario(base, scenario, kind) {
  let response;
  try {
    response = await send(base, scenario);
  } catch (error) {
    return `request failed: ${error.message}`;
  }
  const { body } = response;
  const problems = [];
  if (response.status !== scenario.expectStatus) problems.push(`status ${response.status}, expected ${scenario.expectStatus}`);
  // Ours must really answer from its cache (a Redis it cannot reach would give MISS every time).
  if (scenario.cachedHit && kind === 'ours' && response.header('x-nextjs-cache') !== 'HIT') {
    problems.push(`x-nextjs-cache ${response.header('x-nextjs-cache')}, expected HIT`);
  }
  if (!body.equals(Buffer.from(scenario.expectBody))) {
    const shown = body.length > 200 ? `${body.length} bytes` : JSON.stringify(body.toString());
    const wanted = scenario.expectBody.length > 200 ? `${scenario.expectBody.length} bytes` : JSON.stringify(scenario.expectBody);
    problems.push(`body ${shown}, expected ${wanted}`);
  }
  if (scenario.expectCookies) {
    const got = response.setCookies.map(normalizeCookie).sort();
    const wanted = scenario.expectCookies.map(normalizeCookie).sort();
    if (got.join('\n') !== wanted.join('\n')) {
      problems.push(`set-cookie ${JSON.stringify(response.setCookies)}, expected ${JSON.stringify(scenario.expectCookies)}`);
    }
  }
  return problems.length > 0 ? problems.join('; ') : null;
}

/**
 * What a server is measured with for this scenario: for `cachedHit`, one request first fills the
 * cache (ours: a MISS); for `conditional`, a plain GET fetches the server's own ETag, sent as
 * If-None-Match from then on. `{ na }` when the scenario does not apply (no ETag); `{ error }` on failure.
 */
async function prepareScenario(base, scenario) {
  if (!scenario.cachedHit && !scenario.conditional) return { scenario };
  let response;
  try {
    response = await send(base, { method: 'GET', path: scenario.path });
  } catch (error) {
    return { error: `priming request failed: ${error.message}` };
  }
  if (!scenario.conditional) return { scenario };
  const etag = response.header('etag');
  if (!etag) return { na: 'no ETag' };
  return { scenario: { ...scenario, headers: { ...scenario.headers, 'if-none-match': etag } }, etag };
}

// ---------------------------------------------------------------------------------------------
// Measuring

function cannon(base, scenario, duration) {
  return autocannon({
    url: base + scenario.path,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
  });
}

async function measure(base, scenario) {
  // The warm-up lets V8 optimise the hot paths and the sockets settle; its numbers are dropped.
  await cannon(base, scenario, WARMUP);
  const result = await cannon(base, scenario, DURATION);
  let unexpectedStatus = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(status) !== scenario.expectStatus) unexpectedStatus += Number(count);
  }
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    throughputMBps: result.throughput.average / 1e6,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    unexpectedStatus,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const pad = (text, width) => String(text).padEnd(width);
const padLeft = (text, width) => String(text).padStart(width);
const formatRps = (rps) => (rps === undefined ? '—' : Math.round(rps).toLocaleString('en-US'));
const ratioOf = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const mark = (ok) => (ok ? '✓' : '✗');

function formatRatio(ratio, threshold) {
  if (ratio === undefined) return '—';
  const text = `${ratio.toFixed(2)}×`;
  return threshold === undefined ? text : `${text} ${mark(ratio >= threshold)}`;
}

/** A cell: req/s, or why there is none (n/a: the scenario does not apply to that server). */
function formatCell(best, notApplicable, id, kind, skipped = {}) {
  if (notApplicable[id]?.[kind]) return 'n/a';
  if (skipped[id] && best[id]?.[kind] === undefined && (scenarios.find((s) => s.id === id)?.kinds ?? SERVER_KINDS).includes(kind)) return 'skipped';
  return formatRps(best[id]?.[kind]);
}

function printTable(best, notApplicable, skipped) {
  const header = ['scenario', 'express req/s', 'ours req/s', 'ours/express', 'naive req/s', 'naive/express', 'ours/naive'];
  const rows = scenarios.map((scenario) => {
    const express = best[scenario.id]?.express;
    const ours = best[scenario.id]?.ours;
    const naive = best[scenario.id]?.naive;
    const naiveNa = notApplicable[scenario.id]?.naive ? 'n/a' : undefined;
    return [
      scenario.label,
      formatCell(best, notApplicable, scenario.id, 'express', skipped),
      formatCell(best, notApplicable, scenario.id, 'ours', skipped),
      formatRatio(ratioOf(ours, express), scenario.target ?? undefined),
      formatCell(best, notApplicable, scenario.id, 'naive', skipped),
      naiveNa ?? formatRatio(ratioOf(naive, express)),
      naiveNa ?? formatRatio(ratioOf(ours, naive), scenario.vsNaive ? NAIVE_FACTOR : undefined),
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? pad(cell, widths[i]) : padLeft(cell, widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  // Rows compared with another scenario's ours rather than with express.
  for (const scenario of scenarios) {
    if (!scenario.relative || skipped[scenario.id]) continue;
    const reference = scenarios.find((s) => s.id === scenario.relative.to);
    const ratio = ratioOf(best[scenario.id]?.ours, best[scenario.relative.to]?.ours);
    console.log(
      `${scenario.label}: ours ${scenario.cache === 'redis' ? 'with RedisCacheHandler (local redis-server) ' : ''}` +
        `= ${formatRatio(ratio, scenario.relative.target)} ours of "${reference?.label ?? scenario.relative.to}" (target ≥ ${scenario.relative.target}×)`,
    );
  }
  for (const [id, byKind] of Object.entries(notApplicable)) {
    for (const [kind, reason] of Object.entries(byKind)) console.log(`n/a: ${kind} on "${scenarios.find((s) => s.id === id)?.label}" (${reason})`);
  }
}

/** Every target as { name, ratio, threshold, met }; a ratio that could not be measured is unmet. */
function evaluateTargets(best, skipped) {
  const targets = [];
  for (const scenario of scenarios) {
    if (skipped[scenario.id]) continue;
    const { express, ours, naive } = best[scenario.id] ?? {};
    if (scenario.target) {
      const ratio = ratioOf(ours, express);
      targets.push({ name: `${scenario.label}: ours ≥ ${scenario.target}× express`, ratio, threshold: scenario.target, met: ratio !== undefined && ratio >= scenario.target });
    }
    if (scenario.vsNaive) {
      const ratio = ratioOf(ours, naive);
      targets.push({ name: `${scenario.label}: ours ≥ ${NAIVE_FACTOR}× naive`, ratio, threshold: NAIVE_FACTOR, met: ratio !== undefined && ratio >= NAIVE_FACTOR });
    }
    if (scenario.relative) {
      const { to, target } = scenario.relative;
      const ratio = ratioOf(ours, best[to]?.ours);
      const label = scenarios.find((s) => s.id === to)?.label ?? to;
      targets.push({ name: `${scenario.label}: ours ≥ ${target}× ours on "${label}"`, ratio, threshold: target, met: ratio !== undefined && ratio >= target });
    }
  }
  return targets;
}

/**
 * One measurement in a fresh server process of its own: start, check the answer, warm up, measure,
 * stop. Returns undefined (and records why) when the server cannot be measured.
 */
async function runOne(kind, scenario, roundLabel, problems, broken, notApplicable, env) {
  const prefix = `${roundLabel} ${pad(kind, 7)} ${pad(scenario.label, 22)}`;
  if (broken.has(`${kind}/${scenario.id}`) || notApplicable[scenario.id]?.[kind]) return undefined; // reported once already
  const server = await startServer(kind, env);
  if (server.error) {
    // It would fail the same way for every scenario: report it once and skip the rest.
    for (const other of scenarios) broken.add(`${kind}/${other.id}`);
    problems.push(`${kind}: server failed to start (${roundLabel}): ${server.error.split('\n')[0]}`);
    console.log(`${prefix} server failed to start\n${indent(server.error)}`);
    return undefined;
  }
  try {
    const prepared = await prepareScenario(server.base, scenario);
    if (prepared.na) {
      (notApplicable[scenario.id] ??= {})[kind] = prepared.na;
      console.log(`${prefix} n/a (${prepared.na})`);
      return undefined;
    }
    const failure = prepared.error ?? (await checkScenario(server.base, prepared.scenario, kind));
    if (failure) {
      broken.add(`${kind}/${scenario.id}`);
      problems.push(`${kind} ${scenario.label}: check failed (${roundLabel}): ${failure}`);
      console.log(`${prefix} check failed: ${failure}`);
      return undefined;
    }
    const result = await measure(server.base, prepared.scenario);
    const issues = [
      result.errors && `${result.errors} errors`,
      result.timeouts && `${result.timeouts} timeouts`,
      result.unexpectedStatus && `${result.unexpectedStatus} responses with status ≠ ${scenario.expectStatus}`,
    ].filter(Boolean);
    if (issues.length > 0) problems.push(`${kind} ${scenario.label} (${roundLabel}): ${issues.join(', ')}`);
    console.log(
      `${prefix} ${padLeft(formatRps(result.rps), 7)} req/s  p50 ${result.latencyP50} ms  p99 ${result.latencyP99} ms  ` +
        `non-2xx ${result.non2xx}` +
        (issues.length > 0 ? `  ⚠ ${issues.join(', ')}` : ''),
    );
    return result;
  } finally {
    await stopServer(server.child);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const kind of KINDS) if (!SERVER_KINDS.includes(kind)) throw new Error(`BENCH_SERVERS: unknown server ${kind}`);
  if (SCENARIO_IDS) {
    for (const id of SCENARIO_IDS) if (!allScenarios.some((s) => s.id === id)) throw new Error(`BENCH_SCENARIOS: unknown scenario ${id}`);
  }
  const perRun = WARMUP + DURATION;
  const runCount = scenarios.reduce((sum, scenario) => sum + kindsOf(scenario).length, 0);
  const estimate = Math.ceil((ROUNDS * runCount * perRun) / 60);
  console.log(
    `express-route-handlers bench: ${KINDS.join(', ')} × ${scenarios.length} scenarios × ${ROUNDS} round(s), ` +
      `${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each (about ${estimate} min)`,
  );
  console.log(`node ${process.version}, ${os.cpus().length} CPU(s): autocannon and the server share them\n`);

  /** runs[scenarioId][kind] = [measurement per round] */
  const runs = Object.fromEntries(scenarios.map((s) => [s.id, Object.fromEntries(kindsOf(s).map((k) => [k, []]))]));
  const problems = [];
  const broken = new Set(); // `${kind}/${scenarioId}` pairs that failed a check in any round
  /** notApplicable[scenarioId][kind] = why (e.g. the naive adapter sends no ETag, so no 304) */
  const notApplicable = {};
  /** skipped[scenarioId] = why the whole scenario did not run (no redis-server) */
  const skipped = {};

  // One redis-server for the whole run, only when a selected scenario needs it.
  let redis;
  if (scenarios.some((s) => s.cache === 'redis' && kindsOf(s).length > 0)) {
    try {
      redis = await startRedis();
      console.log(`redis-server for the Redis scenarios: ${redis.url}\n`);
    } catch (error) {
      const reason =
        error.code === 'ENOENT'
          ? 'redis-server is not installed (apt-get install redis-server, or set BENCH_REDIS_SERVER to its path)'
          : `redis-server did not start: ${error.message}`;
      for (const s of scenarios) if (s.cache === 'redis') skipped[s.id] = reason;
      console.log(`skipping ${scenarios.filter((s) => skipped[s.id]).map((s) => `"${s.label}"`).join(', ')}: ${reason}\n`);
    }
  }

  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, scenario] of scenarios.entries()) {
        if (skipped[scenario.id]) continue;
        const kinds = kindsOf(scenario);
        const env = scenario.cache === 'redis' ? { BENCH_REDIS_URL: redis.url } : {};
        // The servers compared in one row run back to back, so a slow drift of the machine
        // (thermal, background work) hits all of them alike; rotating the order spreads who goes first.
        const order = kinds.map((_, i) => kinds[(i + round + index) % kinds.length]);
        for (const kind of order) {
          const result = await runOne(kind, scenario, `round ${round + 1}`, problems, broken, notApplicable, env);
          if (result) runs[scenario.id][kind].push(result);
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  // Best of the rounds: noise on a shared 2-core machine only ever makes a run slower.
  const best = {};
  for (const scenario of scenarios) {
    best[scenario.id] = {};
    for (const kind of kindsOf(scenario)) {
      const measured = runs[scenario.id][kind];
      if (measured.length > 0 && !broken.has(`${kind}/${scenario.id}`)) best[scenario.id][kind] = Math.max(...measured.map((r) => r.rps));
    }
  }

  console.log('');
  printTable(best, notApplicable, skipped);
  for (const [id, reason] of Object.entries(skipped)) console.log(`skipped: "${scenarios.find((s) => s.id === id).label}" (${reason})`);
  const targets = evaluateTargets(best, skipped);
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.ratio === undefined ? '-' : mark(t.met)} ${t.name}  (${t.ratio === undefined ? 'not measured' : `${t.ratio.toFixed(2)}×`})`);
  console.log(`  ${targets.filter((t) => t.met).length}/${targets.length} met${targets.some((t) => t.ratio === undefined) ? ' (-: not measured)' : ''}`);
  if (problems.length > 0) {
    console.log('\nproblems:');
    for (const p of problems) console.log(`  - ${p}`);
  }

  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}results.json`;
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    config: { durationSeconds: DURATION, warmupSeconds: WARMUP, rounds: ROUNDS, connections: CONNECTIONS, pipelining: 1, servers: KINDS },
    scenarios: scenarios.map((s) => ({
      id: s.id,
      label: s.label,
      method: s.method,
      path: s.path,
      ...(s.conditional ? { conditional: true } : {}),
      ...(s.cache ? { cache: s.cache } : {}),
      ...(skipped[s.id] ? { skipped: skipped[s.id] } : {}),
      ...(notApplicable[s.id] ? { notApplicable: notApplicable[s.id] } : {}),
      best: best[s.id],
      ratios: {
        oursVsExpress: ratioOf(best[s.id].ours, best[s.id].express) ?? null,
        naiveVsExpress: ratioOf(best[s.id].naive, best[s.id].express) ?? null,
        oursVsNaive: ratioOf(best[s.id].ours, best[s.id].naive) ?? null,
        ...(s.relative ? { oursVsReference: ratioOf(best[s.id].ours, best[s.relative.to]?.ours) ?? null, reference: s.relative.to } : {}),
      },
      runs: runs[s.id],
    })),
    targets: targets.map((t) => ({ ...t, ratio: t.ratio ?? null })),
    problems,
  };
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nresults written to ${file}`);

  // A server that failed to start or answered wrongly makes the run fail; missed targets do not.
  if (broken.size > 0) process.exitCode = 1;
}

function indent(text) {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
