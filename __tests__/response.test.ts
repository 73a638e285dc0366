import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import compression from 'compression';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, once, recordErrors, serve } from './helpers/server';

/** What legacy middleware does before route handlers run: a cookie, headers, a Vary. */
const upstream: RequestHandler = (_req, res, next) => {
  res.cookie('pre', '1');
  res.setHeader('x-pre', '1');
  res.setHeader('x-override', 'upstream');
  res.setHeader('Vary', 'Origin');
  res.setHeader('WWW-Authenticate', 'Negotiate');
  res.setHeader('Link', '</app.js>; rel=preload');
  next();
};

const text = 'héllo, wörld';

describe.each(expressVersions)('response (%s)', (_name, express) => {
  const handlers = handlersFor('response');
  const app = express();
  app.use('/pre', upstream, handlers);
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);

  const compressed = express();
  compressed.use(compression());
  compressed.use(handlers);
  const compressedErrors = recordErrors(compressed);
  const compressedServer = serve(compressed);

  beforeAll(() => handlers.ready);
  beforeEach(() => {
    errors.splice(0);
    compressedErrors.splice(0);
  });
  afterEach(() => {
    expect(errors).toEqual([]);
    expect(compressedErrors).toEqual([]);
  });

  const get = (path: string, options: { method?: string; headers?: http.OutgoingHttpHeaders; agent?: http.Agent } = {}) =>
    httpRequest(server.port, { path, ...options });
  const gate = async (id: string) => expect((await get(`/gate/open?id=${encodeURIComponent(id)}`)).status).toBe(200);
  const observed = async (id: string) => JSON.parse((await get(`/gate/wait?id=${encodeURIComponent(id)}`)).body);
  const counter = async (id: string) => (JSON.parse((await get(`/counter?id=${id}`)).body) as { count: number }).count;

  describe('status line and headers', () => {
    it('copies status and status text, and uses the default reason phrase otherwise', async () => {
      const custom = await get('/status');
      expect(custom.status).toBe(299);
      expect(custom.statusMessage).toBe('Custom Text');
      const teapot = await get('/status?code=418');
      expect(teapot.status).toBe(418);
      expect(teapot.statusMessage).toBe("I'm a Teapot");
    });

    it("keeps upstream headers and cookies and appends the handler's cookies, one line each", async () => {
      const response = await get('/pre/cookies');
      expect(response.headers['set-cookie']).toEqual(['pre=1; Path=/', 'a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly']);
      expect(response.headers['x-pre']).toBe('1');
      expect(response.body).toBe('cookies');
    });

    it('sends the handler cookies alone when nothing came before', async () => {
      expect((await get('/cookies')).headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly']);
    });

    it('sends NextResponse.cookies but never x-middleware-set-cookie', async () => {
      const response = await get('/pre/cookies', { method: 'POST' });
      expect(response.headers['set-cookie']).toEqual(['pre=1; Path=/', 'session=abc; Path=/; HttpOnly']);
      expect(response.headers['x-middleware-set-cookie']).toBeUndefined();
      expect(JSON.parse(response.body)).toEqual({ ok: true });
    });

    it('merges Vary, appends WWW-Authenticate and Link, joins repeated headers, replaces the rest', async () => {
      const response = await get('/pre/headers');
      expect(response.headers.vary).toBe('Origin, Accept');
      expect(response.headers['x-multi']).toBe('a, b');
      expect(response.headers['x-override']).toBe('handler');
      expect(response.headers['x-pre']).toBe('1');
      expect(rawValues(response.rawHeaders, 'www-authenticate')).toEqual(['Negotiate', 'Basic realm="a", Bearer']);
      expect(rawValues(response.rawHeaders, 'link')).toEqual(['</app.js>; rel=preload', '</style.css>; rel=preload']);
      expect(rawValues(response.rawHeaders, 'vary')).toHaveLength(1);
    });

    it('passes Connection: close, Date and X-Powered-By from the handler through', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const response = await get('/connection', { agent });
        expect(response.headers.connection).toBe('close');
        expect(response.headers.date).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
        expect(response.headers['x-powered-by']).toBe('handler');
        expect(response.body).toBe('closing');
        // The connection really was closed: the next request needs a new one.
        expect((await get('/bodies/string', { agent })).reusedSocket).toBe(false);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('framing', () => {
    it('drops the handler Content-Length, Content-Encoding and Transfer-Encoding for a known body', async () => {
      const response = await get('/framing');
      expect(response.status).toBe(200);
      expect(response.headers['content-length']).toBe('10');
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers['transfer-encoding']).toBeUndefined();
      expect(response.body).toBe('plain body');
    });

    it('drops them for a stream too, which is then chunked', async () => {
      const response = await get('/framing', { method: 'POST' });
      expect(response.headers['content-length']).toBeUndefined();
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers['transfer-encoding']).toBe('chunked');
      expect(response.body).toBe('streamed body');
    });

    it.each([
      ['string', 'text/plain;charset=UTF-8'],
      ['bytes', 'application/octet-stream'],
      ['array-buffer', undefined],
      ['blob', 'text/x-blob'],
      ['response-json', 'application/json'],
      ['next-json', 'application/json'],
      ['next-string', 'text/plain;charset=UTF-8'],
      ['native', 'text/plain;charset=UTF-8'],
    ])('sends Content-Length, not chunks, for a %s body', async (kind, contentType) => {
      const response = await get(`/bodies/${kind}`);
      expect(response.status).toBe(200);
      const expected = kind.endsWith('json') ? JSON.stringify({ text }) : text;
      expect(response.body).toBe(expected);
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(expected)));
      expect(response.headers['transfer-encoding']).toBeUndefined();
      expect(response.headers['content-type']).toBe(contentType);
    });

    it('ends new Response(null) at once: no body, no Transfer-Encoding', async () => {
      const response = await get('/empty');
      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect(response.headers['transfer-encoding']).toBeUndefined();
      expect(response.headers['content-length']).toBe('0');
    });

    it.each([
      ['Response.redirect(url, 302)', '/redirect/plain', 302, 'http://localhost/target?x=1'],
      ['NextResponse.redirect(url)', '/redirect/next', 307, 'https://nextjs.org/'],
    ])('%s sends the status, Location and an empty body', async (_what, path, status, location) => {
      const response = await get(path);
      expect(response.status).toBe(status);
      expect(response.headers.location).toBe(location);
      expect(response.body).toBe('');
      expect(response.headers['transfer-encoding']).toBeUndefined();
    });
  });

  describe('bodyless answers on the wire', () => {
    it.each(['string', 'next-json', 'blob'])('HEAD with a known %s body: Content-Length, no body bytes', async (kind) => {
      const [head, next] = await pipelined(server.port, [`HEAD /bodies/${kind}`, 'GET /status']);
      expect(head.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(header(head.head, 'content-length')).toBe(String(Buffer.byteLength(kind === 'next-json' ? JSON.stringify({ text }) : text)));
      expect(header(head.head, 'transfer-encoding')).toBeUndefined();
      expect(head.body).toBe('');
      expect(next.head).toMatch(/^HTTP\/1\.1 299 Custom Text\r\n/);
    });

    it('HEAD with a stream body: no body bytes, and the stream is cancelled', async () => {
      const [head, next] = await pipelined(server.port, ['HEAD /head-stream?id=head-1', 'GET /status']);
      expect(head.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(header(head.head, 'x-stream')).toBe('yes');
      expect(head.body).toBe('');
      expect(next.head).toMatch(/^HTTP\/1\.1 299 /);
      await expect(observed('cancel:head-1')).resolves.toMatchObject({ name: null });
    });

    it.each([204, 304])('%i from the handler: no body, user headers kept', async (status) => {
      const [answer, next] = await pipelined(server.port, [`GET /bodyless?status=${status}`, 'GET /status']);
      expect(answer.head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(header(answer.head, 'etag')).toBe('"v1"');
      expect(header(answer.head, 'x-custom')).toBe('kept');
      expect(header(answer.head, 'transfer-encoding')).toBeUndefined();
      expect(answer.body).toBe('');
      expect(next.head).toMatch(/^HTTP\/1\.1 299 /);
    });
  });

  describe('streams', () => {
    it('sends each chunk as it is produced, chunked', async () => {
      const chunks: string[] = [];
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: server.port, path: '/stream?id=stream-1' }, (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              chunks.push(chunk);
              // The second chunk cannot exist before this: the test releases it.
              if (chunks.length === 1) gate('next:stream-1').catch(reject);
            });
            res.on('end', () => resolve(res));
          })
          .on('error', reject);
      });
      expect(chunks[0]).toBe('first chunk;');
      expect(chunks.join('')).toBe('first chunk;second chunk');
      expect(response.headers['transfer-encoding']).toBe('chunked');
      expect(response.headers['content-length']).toBeUndefined();
    });

    it('flushes text/event-stream headers before the first event', async () => {
      const events = await readEvents(server.port, 'sse-1', {}, gate);
      expect(events.headers['content-type']).toBe('text/event-stream');
      expect(events.chunks).toEqual(['data: first\n\n', 'data: second\n\n']);
    });

    it('under compression(), flushes headers and each SSE event as it is produced', async () => {
      const events = await readEvents(compressedServer.port, 'sse-gzip', { 'accept-encoding': 'gzip' }, gate);
      expect(events.headers['content-encoding']).toBe('gzip');
      expect(events.chunks.join('')).toBe('data: first\n\ndata: second\n\n');
      expect(events.firstChunk).toBe('data: first\n\n');
    });

    it('cancels the stream with ResponseAborted when the client disconnects, without errors', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      const logged = jest.spyOn(console, 'error');
      try {
        await new Promise<void>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: server.port, path: '/endless?id=gone-1' }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
        });
        await expect(observed('cancel:gone-1')).resolves.toEqual({ name: 'ResponseAborted', isError: true });
        // Production stopped for good.
        const pulls = await counter('gone-1');
        expect((await get('/bodies/string')).status).toBe(200);
        expect(await counter('gone-1')).toBe(pulls);
        expect(unhandled).not.toHaveBeenCalled();
        expect(logged).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
        logged.mockRestore();
      }
    });

    it('reads a 16 MiB stream only as fast as a slow client takes it', async () => {
      const total = 256 * 64 * 1024;
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: server.port, path: '/huge?id=slow-1' }, (response) => {
            response.pause();
            resolve(response);
          })
          .on('error', reject);
      });
      // Ask the stream how far it was read until the answer stops changing: the writer waits for 'drain'.
      let pulls = await counter('slow-1');
      for (let same = 0; same < 3; ) {
        const now = await counter('slow-1');
        same = now === pulls ? same + 1 : 0;
        pulls = now;
      }
      expect(pulls).toBeGreaterThan(0);
      expect(pulls).toBeLessThan(257);
      // Then everything arrives once the client reads.
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.byteLength));
      res.resume();
      await once(res, 'end');
      expect(received).toBe(total);
      expect(await counter('slow-1')).toBe(257);
    });
  });

  describe('compression()', () => {
    it('gzips a JSON body when the client accepts gzip', async () => {
      const response = await httpRequest(compressedServer.port, { path: '/big-json', headers: { 'accept-encoding': 'gzip' } });
      expect(response.headers['content-encoding']).toBe('gzip');
      expect(response.headers['content-length']).toBeUndefined();
      expect(response.headers.vary).toBe('Accept-Encoding');
      const json = JSON.parse(zlib.gunzipSync(response.bytes).toString('utf8'));
      expect(json.items).toHaveLength(200);
      expect(json.items[199]).toEqual({ index: 199, name: 'item 199' });
    });

    it('leaves it alone when the client does not accept gzip', async () => {
      const response = await request(compressed).get('/big-json').set('Accept-Encoding', 'identity');
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.body.items).toHaveLength(200);
    });
  });
});

function rawValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index].toLowerCase() === name) values.push(rawHeaders[index + 1]);
  }
  return values;
}

function header(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((candidate) => candidate.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/**
 * Sends requests pipelined on one raw connection (the last with `Connection: close`) and splits
 * the bytes that come back by the Content-Length of each answer: whatever a bodyless answer
 * wrongly sent shows up as the start of the next one.
 */
async function pipelined(port: number, lines: string[]): Promise<{ head: string; body: string }[]> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(socket, 'end');
  socket.write(lines.map((line, index) => `${line} HTTP/1.1\r\nHost: localhost\r\n${index === lines.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''));
  await ended;
  let rest = Buffer.concat(chunks).toString('latin1');
  const answers: { head: string; body: string }[] = [];
  for (let index = 0; index < lines.length; index++) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, end + 2);
    rest = rest.slice(end + 4);
    const bodyless = lines[index].startsWith('HEAD ') || /^HTTP\/1\.1 (?:204|304) /.test(head);
    const length = bodyless ? 0 : Number(header(head, 'content-length') ?? (index === lines.length - 1 ? rest.length : 0));
    answers.push({ head, body: rest.slice(0, length) });
    rest = rest.slice(length);
  }
  expect(rest).toBe('');
  return answers;
}

/**
 * Reads the SSE route, releasing the first event only once the headers arrived and the second
 * only once the first event was received (decoding gzip when the server compresses).
 */
function readEvents(port: number, id: string, headers: http.OutgoingHttpHeaders, gate: (id: string) => Promise<void>) {
  return new Promise<{ headers: http.IncomingHttpHeaders; chunks: string[]; firstChunk: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/sse?id=${id}`, headers }, (response) => {
        const body = response.headers['content-encoding'] === 'gzip' ? response.pipe(zlib.createGunzip()) : response;
        const chunks: string[] = [];
        let received = '';
        let firstChunk = '';
        body.setEncoding('utf8');
        body.on('data', (chunk: string) => {
          chunks.push(chunk);
          received += chunk;
          if (!firstChunk && received === 'data: first\n\n') {
            firstChunk = received;
            gate(`second:${id}`).catch(reject);
          }
        });
        body.on('end', () => resolve({ headers: response.headers, chunks, firstChunk }));
        body.on('error', reject);
        // Headers are here and no event was produced yet.
        gate(`first:${id}`).catch(reject);
      })
      .on('error', reject);
  });
}
