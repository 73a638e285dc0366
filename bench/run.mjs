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
// BENCH_SERVERS comma-separated subset of express,ours,naive (default all).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scenarios } from './scenarios.mjs';
import { SERVER_KINDS } from './servers.mjs';

const DURATION = positiveNumber('BENCH_DURATION', 5);
const ROUNDS = positiveNumber('BENCH_ROUNDS', 2);
const CONNECTIONS = positiveNumber('BENCH_CONNECTIONS', 50);
const WARMUP = 1;
const KINDS = process.env.BENCH_SERVERS ? process.env.BENCH_SERVERS.split(',').map((s) => s.trim()) : SERVER_KINDS;
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
async function startServer(kind) {
  const child = fork(serverScript, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
// Checks: one request per scenario before measuring, so a broken server is reported, not timed.

/** Cookie strings compared by name=value plus attributes in any order and case. */
function normalizeCookie(cookie) {
  const [pair, ...attributes] = cookie.split(';').map((part) => part.trim());
  return [pair, ...attributes.map((a) => a.toLowerCase()).sort()].join('; ');
}

async function checkScenario(base, scenario) {
  let response;
  try {
    response = await fetch(base + scenario.path, {
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return `request failed: ${error.message}`;
  }
  const body = Buffer.from(await response.arrayBuffer());
  const problems = [];
  if (response.status !== scenario.expectStatus) problems.push(`status ${response.status}, expected ${scenario.expectStatus}`);
  if (!body.equals(Buffer.from(scenario.expectBody))) {
    const shown = body.length > 200 ? `${body.length} bytes` : JSON.stringify(body.toString());
    const wanted = scenario.expectBody.length > 200 ? `${scenario.expectBody.length} bytes` : JSON.stringify(scenario.expectBody);
    problems.push(`body ${shown}, expected ${wanted}`);
  }
  if (scenario.expectCookies) {
    const got = response.headers.getSetCookie().map(normalizeCookie).sort();
    const wanted = scenario.expectCookies.map(normalizeCookie).sort();
    if (got.join('\n') !== wanted.join('\n')) {
      problems.push(`set-cookie ${JSON.stringify(response.headers.getSetCookie())}, expected ${JSON.stringify(scenario.expectCookies)}`);
    }
  }
  return problems.length > 0 ? problems.join('; ') : null;
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

function printTable(best) {
  const header = ['scenario', 'express req/s', 'ours req/s', 'ours/express', 'naive req/s', 'naive/express', 'ours/naive'];
  const rows = scenarios.map((scenario) => {
    const express = best[scenario.id]?.express;
    const ours = best[scenario.id]?.ours;
    const naive = best[scenario.id]?.naive;
    return [
      scenario.label,
      formatRps(express),
      formatRps(ours),
      formatRatio(ratioOf(ours, express), scenario.target ?? undefined),
      formatRps(naive),
      formatRatio(ratioOf(naive, express)),
      formatRatio(ratioOf(ours, naive), scenario.vsNaive ? NAIVE_FACTOR : undefined),
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? pad(cell, widths[i]) : padLeft(cell, widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Every target as { name, ratio, threshold, met }; a ratio that could not be measured is unmet. */
function evaluateTargets(best) {
  const targets = [];
  for (const scenario of scenarios) {
    const { express, ours, naive } = best[scenario.id] ?? {};
    if (scenario.target) {
      const ratio = ratioOf(ours, express);
      targets.push({ name: `${scenario.label}: ours ≥ ${scenario.target}× express`, ratio, threshold: scenario.target, met: ratio !== undefined && ratio >= scenario.target });
    }
    if (scenario.vsNaive) {
      const ratio = ratioOf(ours, naive);
      targets.push({ name: `${scenario.label}: ours ≥ ${NAIVE_FACTOR}× naive`, ratio, threshold: NAIVE_FACTOR, met: ratio !== undefined && ratio >= NAIVE_FACTOR });
    }
  }
  return targets;
}

/**
 * One measurement in a fresh server process of its own: start, check the answer, warm up, measure,
 * stop. Returns undefined (and records why) when the server cannot be measured.
 */
async function runOne(kind, scenario, roundLabel, problems, broken) {
  const prefix = `${roundLabel} ${pad(kind, 7)} ${pad(scenario.label, 22)}`;
  if (broken.has(`${kind}/${scenario.id}`)) return undefined; // reported once already
  const server = await startServer(kind);
  if (server.error) {
    // It would fail the same way for every scenario: report it once and skip the rest.
    for (const other of scenarios) broken.add(`${kind}/${other.id}`);
    problems.push(`${kind}: server failed to start (${roundLabel}): ${server.error.split('\n')[0]}`);
    console.log(`${prefix} server failed to start\n${indent(server.error)}`);
    return undefined;
  }
  try {
    const failure = await checkScenario(server.base, scenario);
    if (failure) {
      broken.add(`${kind}/${scenario.id}`);
      problems.push(`${kind} ${scenario.label}: check failed (${roundLabel}): ${failure}`);
      console.log(`${prefix} check failed: ${failure}`);
      return undefined;
    }
    const result = await measure(server.base, scenario);
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
  const perRun = WARMUP + DURATION;
  const estimate = Math.ceil((ROUNDS * KINDS.length * scenarios.length * perRun) / 60);
  console.log(
    `express-route-handlers bench: ${KINDS.join(', ')} × ${scenarios.length} scenarios × ${ROUNDS} round(s), ` +
      `${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each (about ${estimate} min)`,
  );
  console.log(`node ${process.version}, ${os.cpus().length} CPU(s): autocannon and the server share them\n`);

  /** runs[scenarioId][kind] = [measurement per round] */
  const runs = Object.fromEntries(scenarios.map((s) => [s.id, Object.fromEntries(KINDS.map((k) => [k, []]))]));
  const problems = [];
  const broken = new Set(); // `${kind}/${scenarioId}` pairs that failed a check in any round

  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, scenario] of scenarios.entries()) {
      // The servers compared in one row run back to back, so a slow drift of the machine
      // (thermal, background work) hits all of them alike; rotating the order spreads who goes first.
      const order = KINDS.map((_, i) => KINDS[(i + round + index) % KINDS.length]);
      for (const kind of order) {
        const result = await runOne(kind, scenario, `round ${round + 1}`, problems, broken);
        if (result) runs[scenario.id][kind].push(result);
      }
    }
  }

  // Best of the rounds: noise on a shared 2-core machine only ever makes a run slower.
  const best = {};
  for (const scenario of scenarios) {
    best[scenario.id] = {};
    for (const kind of KINDS) {
      const measured = runs[scenario.id][kind];
      if (measured.length > 0 && !broken.has(`${kind}/${scenario.id}`)) best[scenario.id][kind] = Math.max(...measured.map((r) => r.rps));
    }
  }

  console.log('');
  printTable(best);
  const targets = evaluateTargets(best);
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
      best: best[s.id],
      ratios: {
        oursVsExpress: ratioOf(best[s.id].ours, best[s.id].express) ?? null,
        naiveVsExpress: ratioOf(best[s.id].naive, best[s.id].express) ?? null,
        oursVsNaive: ratioOf(best[s.id].ours, best[s.id].naive) ?? null,
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
