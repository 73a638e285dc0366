// The scenarios every server variant must serve identically: what autocannon sends, and what the
// one-off check before measuring expects back.

/** A 1 KiB JSON document (exactly 1024 bytes once stringified), shaped like a small API payload. */
function makeEchoPayload() {
  const payload = {
    id: 12345,
    kind: 'order',
    customer: { name: 'Bench Mark', email: 'bench@example.com', vip: false },
    items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: i + 1, price: 9.99 + i })),
    note: '',
  };
  const missing = 1024 - JSON.stringify(payload).length;
  if (missing < 0) throw new Error('echo payload is larger than 1 KiB');
  payload.note = 'n'.repeat(missing);
  return JSON.stringify(payload);
}

export const ECHO_BODY = makeEchoPayload();
export const STREAM_CHUNK_SIZE = 64 * 1024;
export const STREAM_CHUNK_COUNT = 16;
export const STREAM_BYTE = 0x78; // 'x'

const json = (value) => JSON.stringify(value);

/**
 * `target` is ours/express for the target ratio (null: no target), `vsNaive` whether ours must
 * beat the naive adapter by 2x. `expectStatus` is the status every measured response should have.
 *
 * Cache scenarios:
 * - `cachedHit`: ours must answer from its static cache. The check primes it (one request, a MISS)
 *   and then expects `x-nextjs-cache: HIT`; the others answer uncached as usual.
 * - `conditional`: every request carries `If-None-Match` with the server's own ETag, fetched once
 *   with a plain GET before measuring. A server that sends no ETag (the naive adapter) is n/a.
 * - `kinds`: the servers this scenario runs on (default: all); `cache: 'redis'`: ours runs with a
 *   `RedisCacheHandler` on a redis-server the runner starts on a free port (skipped, with a message,
 *   when `redis-server` is not installed).
 * - `relative`: a target against another scenario's ours instead of express:
 *   ours ≥ `target` × ours of scenario `to`.
 */
export const scenarios = [
  {
    id: 'get-json',
    label: 'GET JSON + query',
    method: 'GET',
    path: '/api/hello?name=bench',
    expectStatus: 200,
    expectBody: json({ hello: 'bench' }),
    target: 0.9,
    vsNaive: true,
  },
  {
    id: 'get-param',
    label: 'GET dynamic param',
    method: 'GET',
    path: '/api/users/42',
    expectStatus: 200,
    expectBody: json({ id: '42' }),
    target: 0.9,
    vsNaive: true,
  },
  {
    id: 'post-echo',
    label: 'POST 1 KiB JSON echo',
    method: 'POST',
    path: '/api/echo',
    headers: { 'content-type': 'application/json' },
    body: ECHO_BODY,
    expectStatus: 200,
    expectBody: ECHO_BODY,
    target: 0.8,
    vsNaive: true,
  },
  {
    id: 'stream',
    label: 'GET 1 MiB stream',
    method: 'GET',
    path: '/api/stream',
    expectStatus: 200,
    expectBody: Buffer.alloc(STREAM_CHUNK_SIZE * STREAM_CHUNK_COUNT, STREAM_BYTE),
    target: 0.95,
    vsNaive: false,
  },
  {
    id: 'cookies',
    label: 'cookies in/out',
    method: 'GET',
    path: '/api/cookies',
    headers: { cookie: 'session=abc; theme=dark' },
    expectStatus: 200,
    expectBody: json({ session: 'abc' }),
    expectCookies: ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
    target: 0.9,
    vsNaive: true,
  },
  {
    id: 'no-match',
    label: 'no route (404)',
    method: 'GET',
    path: '/not-a-route',
    expectStatus: 404,
    expectBody: 'nope',
    target: 0.97,
    vsNaive: true,
  },
  {
    // ours: a force-static route, answered from the memory cache; express: the same hand-written
    // JSON handler as GET JSON (res.json, its weak ETag computed per response); naive: its fetch
    // handler, uncached.
    id: 'get-cached',
    label: 'GET cached (HIT)',
    method: 'GET',
    path: '/api/cached?name=bench',
    expectStatus: 200,
    expectBody: json({ hello: 'bench' }),
    cachedHit: true,
    target: 1.3,
    vsNaive: false,
  },
  {
    id: 'get-304',
    label: 'GET 304',
    method: 'GET',
    path: '/api/cached?name=bench',
    conditional: true,
    expectStatus: 304,
    expectBody: '',
    target: 1.5,
    vsNaive: false,
  },
  {
    id: 'redis-hit',
    label: 'Redis HIT',
    method: 'GET',
    path: '/api/cached?name=bench',
    expectStatus: 200,
    expectBody: json({ hello: 'bench' }),
    cachedHit: true,
    kinds: ['ours'],
    cache: 'redis',
    target: null,
    vsNaive: false,
    relative: { to: 'get-cached', target: 0.6 },
  },
];
