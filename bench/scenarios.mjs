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
];
