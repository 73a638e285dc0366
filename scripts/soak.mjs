// Soak test: a long run of mixed traffic against one server process, watching its memory.
//
//   npm run soak                              (builds dist/ first; 600 s)
//   npm run soak -- --duration 120
//   node scripts/soak.mjs --duration 20 [--connections 24]      (SOAK_DURATION, SOAK_CONNECTIONS)
//   SOAK_ONLY=stream,abortStream node scripts/soak.mjs ...      (only those scenarios, to chase a problem)
//
// The server (scripts/soak/server.mjs: Express 4 + the library from dist/ serving scripts/soak/app,
// in-memory cache bounded to 4 MB, bodyLimit 512 KB, maxDuration 30 s) runs in a child process of
// its own and reports its process.memoryUsage() every second; this process generates the load and
// prints one line per second:
//
//     42s  rss 181.3 MB  heap  35.2/ 62.1 MB  ext 24.0 MB    612 req/s  unexpected 0
//
// Traffic: `--connections` (default 24) keep-alive clients, each sending one request after another,
// picked at random by weight from SCENARIOS: static routes (HIT, MISS, STALE, 304 via If-None-Match;
// 4000 distinct paths through a dynamic segment, mostly a hot few; force-static, and revalidate = 5
// built from unstable_cache data), streams of many chunks, streams that fail before / after their
// headers, clients that abort mid-response-stream and mid-request-body, POSTs with JSON / text /
// urlencoded bodies of 16 B – 256 KB (some pre-parsed by express.json()/urlencoded()), bodies over
// bodyLimit (413), a handler past its maxDuration (504), handler errors (500 from the Express error
// handler), cookies, after() callbacks, redirect()/permanentRedirect() and the trailing-slash 308,
// notFound(), 404 fall-through to Express, plain dynamic routes, and revalidatePath(); every 2 s
// handlers.revalidateTag() marks one ISR path or (every 10 s) all of them stale ('max'), or expires
// the data cache tag (every 10 s). Every answer is checked (status, headers, body); one its
// scenario does not expect counts as `unexpected` (the first few are printed as they happen). At
// the end the server's own counters must match the client's: after() callbacks run = /after
// answers, streams cancelled = streams the client aborted, body reads started = ended, failures
// logged = streams cut + 504s.
//
// Verdict (the last line). RSS must level off. The first min(30 s, half the run) are a warm-up (JIT,
// heap, cache and buffers growing to their working size: at ~500 req/s RSS gains ~70 MB in 10 s,
// then creeps up for a minute or so). The samples after it are split into thirds, and
//   - growth = median RSS of the last third − median RSS of the middle third (medians: RSS
//     saw-tooths by ±10 MB with GC and buffer churn, and a single peak says nothing);
//   - rise = slope of the least-squares line through all of them × the window's length.
// "growing" when rise > TOLERANCE and growth > TOLERANCE / 3 — what a steady leak adds from one
// third to the next — with TOLERANCE = max(8 MB, 5 % of the middle third's median); else "stable".
// Needing both keeps a one-off step early in the window (rise, no growth) and noise at the end
// (growth, no rise) from failing a run, while a steady leak of ≥ ~1 MB/min over a 10-minute run
// trips both. The rise must also exceed 3 standard errors of the fitted slope × the window's length
// (printed as `± …`): over 10 minutes that is ~2 MB and changes nothing, but in a 10-second window
// the ±10 MB saw-tooth fits lines rising 10 MB by chance. Windows under 2 minutes (runs under
// 2.5 min) are also still settling — RSS climbs ~10 MB more between 10 and 20 s after the start —
// so there TOLERANCE is 25 % of the median instead of 5 %: a short run only catches gross growth
// (e.g. every answer kept: hundreds of MB a minute), and its verdict says so.
// The exit code is non-zero when memory is growing, any answer was unexpected, the server's
// counters disagree, the server died or stopped answering, or an outcome never occurred.
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;
const KB = 1024;
const WARMUP_MAX_SECONDS = 30;
const WARMUP_FRACTION = 0.5;
const TOLERANCE_MIN = 8 * MB;
const TOLERANCE_FRACTION = 0.05;
/** A window shorter than this is still settling (and noisy): only gross growth counts. */
const SHORT_WINDOW_SECONDS = 120;
const SHORT_TOLERANCE_FRACTION = 0.25;
/** A request with no complete answer after this long is a hang. */
const REQUEST_TIMEOUT_MS = 30_000;
const REVALIDATE_TAG_EVERY_MS = 2_000;
/** The server's bodyLimit (scripts/soak/server.mjs). */
const BODY_LIMIT = 512 * KB;

const STATIC_IDS = 3000;
const ISR_IDS = 1000;
/** Most traffic goes to a few hot ids (HITs), the rest spreads over all of them (MISSes, evictions). */
const HOT_IDS = 200;

const serverScript = fileURLToPath(new URL('./soak/server.mjs', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Options

function option(name, envName, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  const raw = index !== -1 ? process.argv[index + 1] : process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return value;
}

const DURATION = option('duration', 'SOAK_DURATION', 600);
const CONNECTIONS = option('connections', 'SOAK_CONNECTIONS', 24);
const ONLY = process.env.SOAK_ONLY ? process.env.SOAK_ONLY.split(',') : undefined;

// ---------------------------------------------------------------------------------------------
// Small helpers

const random = (n) => Math.floor(Math.random() * n);
const pick = (items) => items[random(items.length)];
const sha1 = (text) => createHash('sha1').update(text).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const toMB = (bytes) => (bytes / MB).toFixed(1);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** Hot ids most of the time, any id otherwise. */
const idOf = (count) => (Math.random() < 0.8 ? random(Math.min(HOT_IDS, count)) : random(count));
/** Sizes spread evenly on a log scale, so small and large bodies are both common. */
const logUniform = (min, max) => Math.round(Math.exp(Math.log(min) + Math.random() * (Math.log(max) - Math.log(min))));

function randomText(length) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-é€';
  let text = '';
  while (text.length < length) text += alphabet[random(alphabet.length)];
  return text;
}

/** An answer that is not what the scenario expects. */
class Unexpected extends Error {}

function expect(condition, message) {
  if (!condition) throw new Unexpected(message);
}

// ---------------------------------------------------------------------------------------------
// HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
let base;

/**
 * One request; resolves with status, headers and the whole body. With `chunked`, the body goes out
 * in 64 KB writes without Content-Length. With `allowCut`, a response the server cuts off resolves
 * too, with `cut: true` and the bytes that arrived.
 */
function send({ method = 'GET', path, headers = {}, body, chunked = false, allowCut = false }) {
  return new Promise((resolve, reject) => {
    const outgoing = { ...headers };
    if (body !== undefined && !chunked) outgoing['content-length'] = Buffer.byteLength(body);
    const req = http.request(`${base}${path}`, { method, headers: outgoing, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      const answer = (cut) => ({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), cut });
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(answer(false)));
      res.on('error', (error) => (allowCut ? resolve(answer(true)) : reject(error)));
    });
    req.on('timeout', () => req.destroy(new Unexpected(`${method} ${path}: no complete answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    if (body !== undefined && chunked) {
      const bytes = Buffer.from(body);
      for (let offset = 0; offset < bytes.length; offset += 64 * KB) req.write(bytes.subarray(offset, offset + 64 * KB));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** GET a long stream and destroy the request once `cutoff` bytes arrived. */
function abortMidResponse(path, cutoff) {
  return new Promise((resolve, reject) => {
    let received = 0;
    let aborted = false;
    const req = http.request(`${base}${path}`, { agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      if (res.statusCode !== 200) return reject(new Unexpected(`GET ${path}: status ${res.statusCode}, expected 200`));
      res.on('data', (chunk) => {
        received += chunk.length;
        if (received >= cutoff && !aborted) {
          aborted = true;
          req.destroy();
        }
      });
      res.on('end', () => reject(new Unexpected(`GET ${path}: the stream ended after ${received} bytes, before the client aborted`)));
      // Errors after our own abort are its expected consequence.
      res.on('error', (error) => aborted || reject(error));
    });
    req.on('timeout', () => req.destroy(new Unexpected(`GET ${path}: stalled after ${received} bytes`)));
    req.on('error', (error) => aborted || reject(error));
    req.on('close', () => aborted && resolve());
    req.end();
  });
}

/** POST a body announced as `length` bytes, send only part of it, then destroy the request. */
function abortMidBody(path, length) {
  return new Promise((resolve, reject) => {
    let aborted = false;
    const req = http.request(`${base}${path}`, { method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': length } });
    // The handler waits for the whole body, so no answer may come before we give up.
    req.on('response', (res) => {
      res.resume();
      reject(new Unexpected(`POST ${path}: status ${res.statusCode} before the body was complete`));
    });
    req.on('error', (error) => aborted || reject(error));
    req.on('close', () => aborted && resolve());
    req.write(Buffer.alloc(Math.floor(length / 2), 'x'));
    // Give the handler time to start reading before the client goes away.
    setTimeout(() => {
      aborted = true;
      req.destroy();
    }, 1 + random(20));
  });
}

// ---------------------------------------------------------------------------------------------
// Request bodies: built once (building them per request would load the client, not the server).

function jsonPayload(size) {
  const items = [];
  let length = 2;
  while (length < size) {
    const item = { id: items.length, name: randomText(8 + random(24)), count: random(1e6), ok: Math.random() < 0.5 };
    length += JSON.stringify(item).length + 1;
    items.push(item);
  }
  const text = JSON.stringify({ items });
  return { type: 'application/json', body: text, digest: sha1(text) };
}

function textPayload(size) {
  const text = randomText(size);
  return { type: 'text/plain; charset=utf-8', body: text, digest: sha1(text) };
}

function formPayload(size) {
  // Names that are not array indexes, so qs (express.urlencoded) keeps their order.
  const entries = [];
  let length = 0;
  while (length < size) {
    const entry = [`f${entries.length}`, randomText(4 + random(60))];
    length += encodeURIComponent(entry[1]).length + entry[0].length + 2;
    entries.push(entry);
  }
  return { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(entries).toString(), digest: sha1(JSON.stringify(entries)) };
}

const payloads = {
  json: Array.from({ length: 48 }, () => jsonPayload(logUniform(16, 256 * KB))),
  text: Array.from({ length: 48 }, () => textPayload(logUniform(16, 256 * KB))),
  form: Array.from({ length: 48 }, () => formPayload(logUniform(16, 64 * KB))),
};
/** Over bodyLimit, under the library's 1 MiB drain limit (so the connection survives the 413). */
const oversized = Buffer.alloc(BODY_LIMIT + 256 * KB, 'x');

// ---------------------------------------------------------------------------------------------
// Scenarios: each sends one request, checks the answer and returns the outcome it counts as (or
// throws Unexpected). `client` counts what the end-of-run checks compare with the server's counters.

const client = { afterAnswers: 0 };
/** ETag per static path, for If-None-Match. At most STATIC_IDS + ISR_IDS entries. */
const etags = new Map();

async function staticRoute() {
  const isr = Math.random() < 0.25;
  const id = isr ? idOf(ISR_IDS) : idOf(STATIC_IDS);
  const path = isr ? `/isr/${id}` : `/static/${id}`;
  const etag = etags.get(path);
  const conditional = etag !== undefined && Math.random() < 0.2;
  const res = await send({ path, headers: conditional ? { 'if-none-match': etag } : {} });
  // A force-static body never changes, so its ETag stays valid; an ISR body carries a timestamp.
  if (res.status === 304) {
    expect(conditional, `GET ${path}: 304 without If-None-Match`);
    return 'static-304';
  }
  expect(res.status === 200, `GET ${path}: status ${res.status}, expected ${conditional && !isr ? 304 : 200}`);
  expect(!conditional || isr, `GET ${path}: 200 for the current ETag, expected 304`);
  const state = res.headers['x-nextjs-cache'];
  expect(['HIT', 'MISS', 'STALE'].includes(state), `GET ${path}: x-nextjs-cache ${state}`);
  expect(typeof res.headers.etag === 'string', `GET ${path}: no ETag`);
  if (isr) {
    const body = JSON.parse(res.body.toString());
    expect(body.isr === String(id) && body.item?.id === String(id), `GET ${path}: body ${res.body.toString().slice(0, 80)}`);
  } else {
    const text = res.body.toString();
    const size = 100 + ((id * 7919) % 8000);
    expect(text.startsWith(`static ${id}:`) && text.length === size, `GET ${path}: body of ${text.length} bytes starting ${text.slice(0, 20)}`);
  }
  etags.set(path, res.headers.etag);
  return `static-${state.toLowerCase()}`;
}

/** Chunk i of /stream starts with 'A' + i % 26: `body` must be whole chunks, in order. */
function checkChunks(path, body, size) {
  for (let i = 0; i * size < body.length; i++) expect(body[i * size] === 65 + (i % 26), `GET ${path}: chunk ${i} out of order`);
}

async function stream() {
  const slow = Math.random() < 0.2;
  const chunks = slow ? 8 + random(24) : 16 + random(240);
  const size = pick([512, 4096, 16384]);
  const path = `/stream?chunks=${chunks}&size=${size}&delay=${slow ? 1 : 0}`;
  const res = await send({ path });
  expect(res.status === 200, `GET ${path}: status ${res.status}`);
  expect(res.body.length === chunks * size, `GET ${path}: ${res.body.length} bytes, expected ${chunks * size}`);
  checkChunks(path, res.body, size);
  return 'stream';
}

/** A stream that errors: before its first chunk (Express answers 500) or after some (the connection is cut). */
async function streamFailure() {
  const early = Math.random() < 0.5;
  const size = 4096;
  const failAt = early ? 0 : 1 + random(32);
  const path = `/stream?chunks=64&size=${size}&fail=${failAt}&delay=${random(2)}`;
  const res = await send({ path, allowCut: true });
  if (early) {
    expect(res.status === 500 && res.headers['x-soak-error'] === 'RouteHandlerError' && !res.cut, `GET ${path}: status ${res.status}${res.cut ? ', cut' : ''}`);
    return 'stream-error-500';
  }
  expect(res.status === 200 && res.cut, `GET ${path}: status ${res.status}, ${res.cut ? 'cut' : 'complete'} after ${res.body.length} bytes`);
  expect(res.body.length <= failAt * size, `GET ${path}: ${res.body.length} bytes, more than the ${failAt * size} sent before the failure`);
  checkChunks(path, res.body, size);
  return 'stream-cut';
}

async function abortStream() {
  // 64 MB on offer; the client leaves after 16 KB – 1 MB.
  await abortMidResponse(`/stream?chunks=4096&size=16384&delay=${Math.random() < 0.3 ? 1 : 0}`, logUniform(16 * KB, MB));
  return 'abort-mid-response';
}

async function abortBody() {
  await abortMidBody('/echo', logUniform(64 * KB, BODY_LIMIT));
  return 'abort-mid-body';
}

async function postBody(kind) {
  const payload = pick(payloads[kind]);
  const preparse = kind !== 'text' && Math.random() < 0.3;
  const what = `POST /echo (${kind}, ${payload.body.length} chars${preparse ? ', pre-parsed' : ''})`;
  const headers = { 'content-type': payload.type, ...(preparse ? { 'x-soak-preparse': '1' } : {}) };
  const res = await send({ method: 'POST', path: '/echo', headers, body: payload.body, chunked: !preparse && Math.random() < 0.2 });
  expect(res.status === 200, `${what}: status ${res.status} ${res.body.toString().slice(0, 80)}`);
  const answer = JSON.parse(res.body.toString());
  expect(answer.kind === kind && answer.digest === payload.digest, `${what}: answered ${JSON.stringify(answer)}`);
  return `post-${kind}`;
}

const postJson = () => postBody('json');
const postText = () => postBody('text');
const postForm = () => postBody('form');

async function tooLarge() {
  // Declared: refused from Content-Length before the handler runs; chunked: refused as it crosses the limit.
  const chunked = Math.random() < 0.5;
  const body = oversized.subarray(0, BODY_LIMIT + 1 + random(200 * KB));
  const res = await send({ method: 'POST', path: '/echo', headers: { 'content-type': 'text/plain' }, body, chunked });
  expect(res.status === 413, `POST /echo (${body.length} bytes${chunked ? ', chunked' : ''}): status ${res.status}, expected 413`);
  return 'payload-too-large';
}

async function slow() {
  const res = await send({ path: '/slow' });
  expect(res.status === 504, `GET /slow: status ${res.status}, expected 504`);
  return 'timeout-504';
}

async function handlerError() {
  const path = `/boom?mode=${pick(['sync', 'async', 'invalid'])}`;
  const res = await send({ path });
  expect(res.status === 500 && res.headers['x-soak-error'] === 'RouteHandlerError', `GET ${path}: status ${res.status}, x-soak-error ${res.headers['x-soak-error']}`);
  expect(res.body.toString() === 'soak error handler', `GET ${path}: body ${res.body.toString().slice(0, 80)}`);
  return 'error-500';
}

async function cookies() {
  const visits = random(1000);
  const session = `s${random(1e9)}`;
  const res = await send({ path: '/cookies', headers: { cookie: `visits=${visits}; session=${session}` } });
  expect(res.status === 200, `GET /cookies: status ${res.status}`);
  const body = JSON.parse(res.body.toString());
  expect(body.visits === visits && body.session === session, `GET /cookies: body ${res.body.toString()}`);
  const setCookie = res.headers['set-cookie'] ?? [];
  expect(setCookie.some((line) => line.startsWith(`visits=${visits + 1};`)), `GET /cookies: set-cookie ${JSON.stringify(setCookie)} lacks visits=${visits + 1}`);
  expect(setCookie.some((line) => line.startsWith(`seen=${session};`)), `GET /cookies: set-cookie ${JSON.stringify(setCookie)} lacks seen=${session}`);
  return 'cookies';
}

async function afterCallback() {
  const res = await send({ path: '/after' });
  expect(res.status === 200 && res.body.toString() === '{"scheduled":true}', `GET /after: status ${res.status} ${res.body.toString().slice(0, 80)}`);
  client.afterAnswers += 1;
  return 'after';
}

async function redirectRoute() {
  const id = random(STATIC_IDS);
  const variant = random(3);
  // redirect() → 307, permanentRedirect() → 308, and the library's own trailing-slash 308.
  const path = [`/go?to=/static/${id}`, `/go?to=/static/${id}&permanent=1`, `/users/${id}/`][variant];
  const location = variant === 2 ? `/users/${id}` : `/static/${id}`;
  const status = variant === 0 ? 307 : 308;
  const res = await send({ path });
  expect(res.status === status && res.headers.location === location, `GET ${path}: status ${res.status}, location ${res.headers.location}`);
  return 'redirect';
}

async function notFoundRoute() {
  const res = await send({ path: '/users/missing' });
  expect(res.status === 404 && res.body.length === 0, `GET /users/missing: status ${res.status}, ${res.body.length} bytes`);
  return 'not-found-route';
}

async function fallthrough() {
  const path = `/nope/${random(1e6)}`;
  const res = await send({ path });
  expect(res.status === 404 && res.body.toString() === 'soak fallthrough', `GET ${path}: status ${res.status} ${res.body.toString().slice(0, 80)}`);
  return 'fallthrough-404';
}

async function dynamicRoute() {
  const id = String(random(1e6));
  const q = randomText(random(40));
  const path = `/users/${id}?q=${encodeURIComponent(q)}`;
  const res = await send({ path });
  expect(res.status === 200 && res.body.toString() === JSON.stringify({ id, q }), `GET ${path}: status ${res.status} ${res.body.toString().slice(0, 80)}`);
  return 'dynamic';
}

async function revalidatePath() {
  // A hot id, so the regeneration is felt (the next request is a MISS).
  const path = Math.random() < 0.7 ? `/static/${random(HOT_IDS)}` : `/isr/${random(HOT_IDS)}`;
  const res = await send({ path: `/admin/revalidate?path=${encodeURIComponent(path)}` });
  expect(res.status === 200, `revalidatePath(${path}): status ${res.status}`);
  return 'revalidate-path';
}

/** Relative weights; /slow holds its connection for 1 s, so it stays rare. */
const SCENARIOS = [
  { run: staticRoute, weight: 34 },
  { run: stream, weight: 7 },
  { run: streamFailure, weight: 2 },
  { run: abortStream, weight: 4 },
  { run: abortBody, weight: 4 },
  { run: postJson, weight: 6 },
  { run: postText, weight: 5 },
  { run: postForm, weight: 4 },
  { run: tooLarge, weight: 1 },
  { run: slow, weight: 0.3 },
  { run: handlerError, weight: 5 },
  { run: cookies, weight: 5 },
  { run: afterCallback, weight: 5 },
  { run: redirectRoute, weight: 5 },
  { run: notFoundRoute, weight: 2 },
  { run: fallthrough, weight: 3 },
  { run: dynamicRoute, weight: 5 },
  { run: revalidatePath, weight: 1 },
];
const ACTIVE = ONLY ? SCENARIOS.filter((s) => ONLY.includes(s.run.name)) : SCENARIOS;
const TOTAL_WEIGHT = ACTIVE.reduce((sum, s) => sum + s.weight, 0);

/** Every outcome the mix must produce at least once (else the mix itself is broken). */
const OUTCOMES = [
  'static-hit', 'static-miss', 'static-stale', 'static-304', 'stream', 'stream-error-500', 'stream-cut',
  'abort-mid-response', 'abort-mid-body', 'post-json', 'post-text', 'post-form', 'payload-too-large',
  'timeout-504', 'error-500', 'cookies', 'after', 'redirect', 'not-found-route', 'fallthrough-404',
  'dynamic', 'revalidate-path', 'revalidate-tag',
];

function pickScenario() {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const scenario of ACTIVE) {
    roll -= scenario.weight;
    if (roll < 0) return scenario;
  }
  return ACTIVE[0];
}

// ---------------------------------------------------------------------------------------------
// Counting

const counts = new Map(OUTCOMES.map((name) => [name, 0]));
let unexpected = 0;
const unexpectedMessages = new Map();
let completedThisSecond = 0;

function record(outcome) {
  counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  completedThisSecond += 1;
}

function recordUnexpected(error) {
  unexpected += 1;
  completedThisSecond += 1;
  const message = error instanceof Unexpected ? error.message : `${error?.code ?? error?.name ?? 'error'}: ${error?.message ?? error}`;
  // Grouped by message without its numbers; the first of each of the first ten groups is printed.
  const key = message.replace(/\d+/g, 'N');
  const seen = unexpectedMessages.get(key);
  if (seen) seen.count += 1;
  else unexpectedMessages.set(key, { count: 1, example: message });
  if (!seen && unexpectedMessages.size <= 10) console.log(`unexpected: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Load

let running = true;

async function worker() {
  while (running) {
    try {
      record(await pickScenario().run());
    } catch (error) {
      recordUnexpected(error);
    }
  }
}

/**
 * Every 2 s a tag: one ISR path's own (stale: 'max'), or every 10 s all ISR entries (the route's
 * tag, 'max') and, 5 s apart, the data cache tag (expired). Data read while generating carries the
 * route's tags too, so the route-wide one is rare enough to leave data cache HITs.
 */
async function tagRevalidator() {
  for (let tick = 1; running; tick++) {
    await sleep(REVALIDATE_TAG_EVERY_MS);
    if (!running) break;
    const query =
      tick % 5 === 0 ? { tag: 'soak-data' } : tick % 5 === 2 ? { tag: '_N_T_/isr/[id]/route', profile: 'max' } : { tag: `_N_T_/isr/${random(HOT_IDS)}`, profile: 'max' };
    try {
      const res = await send({ path: `/admin/revalidate?${new URLSearchParams(query)}` });
      expect(res.status === 200, `revalidateTag(${query.tag}): status ${res.status}`);
      record('revalidate-tag');
    } catch (error) {
      recordUnexpected(error);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Server process

function startServer() {
  const child = fork(serverScript, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // The server is quiet when all is well; what it prints is shown, but a flood must not drown the lines.
  let lines = 0;
  const relay = (chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      lines += 1;
      if (lines <= 20) console.log(`[server] ${line}`);
      else if (lines === 21) console.log('[server] … (further server output counted, not shown)');
    }
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
    child.on('message', (message) => {
      if (message?.type !== 'listening') return;
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${signal ?? code}) before listening`));
    });
  });
  return { child, listening, outputLines: () => lines };
}

/** The server's own counters, over IPC. */
function serverStats(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not report its counters within 5 s')), 5_000);
    const onMessage = (message) => {
      if (message?.type !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

/** The server's counters against the client's; returns the disagreements. */
function compareCounters({ stats, errorsHandled, notFoundHandled }) {
  const reads = stats.bodyReads;
  console.log(
    `server counters: after() runs ${stats.afterRuns}, streams cancelled ${stats.streamCancels}, ` +
      `body reads ${reads.started} started / ${reads.finished} finished / ${reads.failed} failed, ` +
      `logged ${stats.logged.streamFailures} stream failures / ${stats.logged.timeouts} timeouts / ${stats.logged.other} other, ` +
      `generated static ${stats.generated.static} / isr ${stats.generated.isr}, data loads ${stats.dataLoads}, ` +
      `Express error handler ${errorsHandled}, fall-through 404 ${notFoundHandled}`,
  );
  const problems = [];
  const check = (what, server, expected) => server === expected || problems.push(`${what}: the server counted ${server}, the client ${expected}`);
  check('after() callbacks run vs /after answers', stats.afterRuns, client.afterAnswers);
  check('streams cancelled vs streams the client aborted', stats.streamCancels, counts.get('abort-mid-response'));
  check('body reads ended vs started', reads.finished + reads.failed, reads.started);
  check('body reads finished vs POST answers', reads.finished, counts.get('post-json') + counts.get('post-text') + counts.get('post-form'));
  check('stream failures logged vs streams cut', stats.logged.streamFailures, counts.get('stream-cut'));
  check('maxDuration timeouts logged vs 504s', stats.logged.timeouts, counts.get('timeout-504'));
  check('other failures logged', stats.logged.other, 0);
  // A body aborted before the server read any of it leaves no trace there: at most, not exactly.
  const mayFail = counts.get('abort-mid-body') + counts.get('payload-too-large');
  if (reads.failed > mayFail) problems.push(`${reads.failed} failed body reads, but only ${mayFail} aborted or oversized bodies`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Memory verdict

/** Least-squares line through the points: its slope and the slope's standard error. */
function fitLine(points) {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  if (variance === 0) return { slope: 0, standardError: 0 };
  const slope = covariance / variance;
  const residuals = points.reduce((sum, p) => sum + (p.y - meanY - slope * (p.x - meanX)) ** 2, 0);
  return { slope, standardError: Math.sqrt(residuals / Math.max(1, n - 2) / variance) };
}

/** The rule described at the top of this file. `samples`: [{ t (seconds), rss, heapUsed (bytes) }]. */
function memoryVerdict(samples, duration) {
  const warmup = Math.min(WARMUP_MAX_SECONDS, duration * WARMUP_FRACTION);
  const window = samples.filter((s) => s.t > warmup);
  if (window.length < 6) return { growing: false, text: `stable (too few samples after the ${warmup.toFixed(0)} s warm-up to judge)` };
  const third = Math.floor(window.length / 3);
  const middle = window.slice(third, 2 * third);
  const last = window.slice(window.length - third);
  const middleRss = median(middle.map((s) => s.rss));
  const lastRss = median(last.map((s) => s.rss));
  const growth = lastRss - middleRss;
  const seconds = window.at(-1).t - window[0].t;
  const { slope, standardError } = fitLine(window.map((s) => ({ x: s.t, y: s.rss }))); // bytes per second
  const rise = slope * seconds;
  const scatter = 3 * standardError * seconds;
  const short = seconds < SHORT_WINDOW_SECONDS;
  const tolerance = Math.max(TOLERANCE_MIN, (short ? SHORT_TOLERANCE_FRACTION : TOLERANCE_FRACTION) * middleRss);
  const growing = rise > Math.max(tolerance, scatter) && growth > tolerance / 3;
  const signed = (bytes) => `${bytes < 0 ? '−' : '+'}${toMB(Math.abs(bytes))} MB`;
  const span = seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${Math.round(seconds)} s`;
  const heap = `heap used median ${toMB(median(middle.map((s) => s.heapUsed)))} → ${toMB(median(last.map((s) => s.heapUsed)))} MB`;
  return {
    growing,
    text:
      `${growing ? 'growing' : 'stable'} (RSS median ${toMB(middleRss)} → ${toMB(lastRss)} MB middle → last third, ${signed(growth)}; ` +
      `slope ${toMB(slope * 60)} MB/min, ${signed(rise)} ± ${toMB(scatter)} MB over the ${span} after a ${Math.round(warmup)} s warm-up; ` +
      `tolerance ${toMB(tolerance)} MB${short ? ' (a short run: only gross growth counts)' : ''}; ${heap})`,
  };
}

/** One line per minute of the run: RSS and heap used, min–max, and where they ended. */
function printMinutes(samples) {
  console.log('per minute (min–max, end):');
  for (let minute = 0; minute * 60 < samples.at(-1).t; minute++) {
    const inMinute = samples.filter((s) => s.t > minute * 60 && s.t <= (minute + 1) * 60);
    if (inMinute.length === 0) continue;
    const range = (key) => {
      const values = inMinute.map((s) => s[key]);
      return `${toMB(Math.min(...values))}–${toMB(Math.max(...values))} MB, end ${toMB(values.at(-1))}`;
    };
    console.log(`  minute ${String(minute + 1).padStart(2)}: rss ${range('rss')}; heap used ${range('heapUsed')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Orchestration

function printSample(sample) {
  const mb = (bytes, width = 5) => toMB(bytes).padStart(width);
  console.log(
    `${String(Math.round(sample.t)).padStart(4)}s  rss ${mb(sample.rss)} MB  heap ${mb(sample.heapUsed)}/${mb(sample.heapTotal)} MB  ` +
      `ext ${mb(sample.external, 4)} MB  ${String(completedThisSecond).padStart(5)} req/s  unexpected ${unexpected}`,
  );
  completedThisSecond = 0;
}

async function main() {
  const server = startServer();
  const { child } = server;
  let crashed;
  child.once('exit', (code, signal) => {
    if (running) crashed = `the server exited (${signal ?? `code ${code}`}) during the run`;
    running = false;
  });
  base = `http://127.0.0.1:${await server.listening}`;
  console.log(`soak: ${DURATION} s, ${CONNECTIONS} connections, server pid ${child.pid} at ${base}${ONLY ? `, only ${ONLY.join(', ')}` : ''}`);

  // One line per memory sample (the server sends one a second) while the load runs.
  const samples = [];
  const started = Date.now();
  child.on('message', (message) => {
    if (message?.type !== 'memory' || !running) return;
    const sample = { t: (Date.now() - started) / 1000, ...message };
    samples.push(sample);
    printSample(sample);
  });

  const load = [...Array.from({ length: CONNECTIONS }, worker), tagRevalidator()];
  while (running && Date.now() - started < DURATION * 1000) await sleep(100);
  running = false;
  // Workers finish the request they are on; each has its own timeout, so this cannot hang.
  await Promise.all(load);

  const problems = [];
  if (crashed) problems.push(crashed);
  else {
    // after() callbacks and stream cancellations finish shortly after the last answers.
    await sleep(1000);
    try {
      const probe = await send({ path: '/users/probe' });
      if (probe.status !== 200) problems.push(`the server answered the final probe with ${probe.status}`);
      problems.push(...compareCounters(await serverStats(child)));
    } catch (error) {
      problems.push(`the server stopped answering: ${error.message}`);
    }
  }

  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  console.log(`outcomes (${total} expected, ${unexpected} unexpected):`);
  for (const [name, count] of counts) console.log(`  ${name.padEnd(20)} ${String(count).padStart(8)}`);
  for (const { count, example } of unexpectedMessages.values()) console.log(`  unexpected ×${count}: ${example}`);
  const missing = OUTCOMES.filter((name) => counts.get(name) === 0);
  if (missing.length > 0 && !ONLY) problems.push(`outcomes that never occurred: ${missing.join(', ')}`);
  if (unexpected > 0) problems.push(`${unexpected} unexpected answers`);
  if (server.outputLines() > 0) console.log(`the server printed ${server.outputLines()} lines`);
  for (const problem of problems) console.log(`problem: ${problem}`);

  if (samples.length > 0) printMinutes(samples);
  const memory = memoryVerdict(samples, DURATION);

  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  agent.destroy();

  if (problems.length > 0) {
    console.log(`verdict: failed (${problems.length} problem${problems.length > 1 ? 's' : ''}, see above; memory ${memory.text})`);
    process.exitCode = 1;
  } else {
    console.log(`verdict: ${memory.text}`);
    if (memory.growing) process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  console.log(`verdict: failed (${error.message})`);
  process.exit(1);
});
