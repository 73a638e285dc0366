import http from 'node:http';
import net from 'node:net';
import type { RequestHandler } from 'express';
import qs from 'qs';
import request from 'supertest';
import { RouteHandlerError } from '../lib';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, once, recordErrors, serve } from './helpers/server';

interface Described {
  method: string;
  url: string;
  href: string;
  origin: string;
  host: string;
  pathname: string;
  basePath: string;
  search: string;
  searchParams: [string, string][];
  multi: string | null;
  isRequest: boolean;
  isNextRequest: boolean;
  bodyNull: boolean;
  bodyUsed: boolean;
}

interface Read {
  value: unknown;
  contentLength: string | null;
  contentType: string | null;
  transferEncoding: string | null;
}

/** Reads the request stream to its end without leaving anything on `req` (as a multipart parser that stores files elsewhere might). */
const consumeWithoutBody: RequestHandler = (req, _res, next) => {
  req.on('data', () => {});
  req.on('end', () => next());
};

describe.each(expressVersions)('request (%s)', (_name, express) => {
  const handlers = handlersFor('request');
  const app = express();
  app.use('/api', handlers);
  app.use('/json', express.json(), handlers);
  app.use('/json-loose', express.json({ strict: false }), handlers);
  app.use('/qs', express.urlencoded({ extended: true }), handlers);
  app.use('/simple', express.urlencoded({ extended: false }), handlers);
  app.use('/text', express.text(), handlers);
  app.use('/raw', express.raw(), handlers);
  app.use(
    '/verify',
    express.json({
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    }),
    handlers,
  );
  app.use('/consumed', consumeWithoutBody, handlers);
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);

  const proxied = express();
  proxied.set('trust proxy', true);
  proxied.use(handlers);

  const pinned = express();
  pinned.use(handlersFor('request', { origin: 'https://api.example.com/' }));

  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  const describeAt = async (path: string, headers: Record<string, string | string[]> = {}) => {
    const response = await httpRequest(server.port, { path, headers });
    expect(response.status).toBe(200);
    return JSON.parse(response.body) as Described;
  };

  describe('request.url and nextUrl', () => {
    it('uses the Host header, port included', async () => {
      const seen = (await request(app).get('/echo?x=1').set('Host', 'example.com:8080')).body as Described;
      expect(seen.url).toBe('http://example.com:8080/echo?x=1');
      expect(seen.href).toBe(seen.url);
      expect(seen.host).toBe('example.com:8080');
      expect(seen.pathname).toBe('/echo');
    });

    it('keeps the mount path in request.url, and reads it as the basePath of nextUrl', async () => {
      const seen = (await request(app).get('/api/echo?x=1').set('Host', 'example.com')).body as Described;
      expect(seen.url).toBe('http://example.com/api/echo?x=1');
      expect(seen.href).toBe('http://example.com/api/echo?x=1');
      expect(seen.pathname).toBe('/echo');
      expect(seen.basePath).toBe('/api');
    });

    it('reads X-Forwarded-Proto and X-Forwarded-Host (host and port) when trust proxy allows', async () => {
      const forwarded = (await request(proxied)
        .get('/echo')
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example:8443')).body as Described;
      expect(forwarded.url).toBe('https://public.example:8443/echo');

      // The port of the Host header is not mixed into the forwarded host.
      const noPort = (await request(proxied)
        .get('/echo')
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example')).body as Described;
      expect(noPort.url).toBe('https://public.example/echo');

      // Several proxies: the first (client-facing) value.
      const chain = (await request(proxied)
        .get('/echo')
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https, http')
        .set('X-Forwarded-Host', 'public.example, internal')).body as Described;
      expect(chain.url).toBe('https://public.example/echo');
    });

    it('ignores X-Forwarded-* when trust proxy is off', async () => {
      const seen = (await request(app)
        .get('/echo')
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example:8443')).body as Described;
      expect(seen.url).toBe('http://internal:3000/echo');
    });

    it('uses the pinned origin option whatever the request says', async () => {
      const seen = (await request(pinned).get('/echo?a=1').set('Host', 'internal:3000').set('X-Forwarded-Host', 'evil.example'))
        .body as Described;
      expect(seen.url).toBe('https://api.example.com/echo?a=1');
    });

    it('takes only path and query from an absolute-form request target', async () => {
      // Node's client writes `path` verbatim into the request line: `GET http://other.example/echo?y=1 HTTP/1.1`.
      const root = await httpRequest(server.port, { path: 'http://other.example/echo?y=1', headers: { host: 'other.example' } });
      expect(JSON.parse(root.body)).toMatchObject({ url: 'http://other.example/echo?y=1', pathname: '/echo', search: '?y=1' });

      const mounted = await httpRequest(server.port, { path: 'http://other.example/api/echo?y=1', headers: { host: 'other.example' } });
      expect(JSON.parse(mounted.body)).toMatchObject({ url: 'http://other.example/api/echo?y=1', pathname: '/echo', basePath: '/api' });
    });

    it('never lets the query of an absolute-form target choose the route', async () => {
      // Express routes `GET http://other.example?y=/echo` as `/`: so must we (no route there).
      const response = await httpRequest(server.port, { path: 'http://other.example?y=/echo', headers: { host: 'other.example' } });
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('"url"');
    });

    it.each(['example.com/admin?', 'example.com#', 'user@example.com', 'exa mple.com', 'example.com:80x'])(
      'answers 400 for a Host that is not a host (%s) instead of letting it change the path',
      async (host) => {
        const response = await httpRequest(server.port, { path: '/echo', headers: { host } });
        expect(response.status).toBe(400);
        expect(response.body).toBe('');
        expect(errors).toEqual([]);
      },
    );

    it('answers 400 for forwarded values that are not a host or a protocol', async () => {
      const host = await request(proxied).get('/echo').set('X-Forwarded-Host', 'public.example/admin?');
      expect(host.status).toBe(400);
      const proto = await request(proxied).get('/echo').set('X-Forwarded-Proto', 'https://evil.example/x?');
      expect(proto.status).toBe(400);
    });

    it('keeps the query exactly as sent', async () => {
      const seen = await describeAt('/echo?b=%20x&z&a=1&a=3');
      expect(seen.url).toBe(`http://localhost:${server.port}/echo?b=%20x&z&a=1&a=3`);
      expect(seen.search).toBe('?b=%20x&z&a=1&a=3');
      expect(seen.searchParams).toEqual([
        ['b', ' x'],
        ['z', ''],
        ['a', '1'],
        ['a', '3'],
      ]);
    });

    it('reads loopback hosts as localhost, as Next.js does', async () => {
      expect((await describeAt('/echo', { host: `127.0.0.1:${server.port}` })).url).toBe(`http://localhost:${server.port}/echo`);
      expect((await describeAt('/echo', { host: '[::1]:8080' })).url).toBe('http://localhost:8080/echo');
    });
  });

  describe('the Request object', () => {
    it('joins repeated request headers as Node does', async () => {
      expect((await describeAt('/echo', { 'x-multi': ['a', 'b'] })).multi).toBe('a, b');
    });

    it('is a Request and a NextRequest', async () => {
      const seen = (await request(app).get('/echo')).body as Described;
      expect(seen.isRequest).toBe(true);
      expect(seen.isNextRequest).toBe(true);
    });

    it('can be copied with new NextRequest(request) and new Request(request)', async () => {
      const response = await request(app).get('/copy?q=1').set('Host', 'example.com').set('Accept', 'text/x-test');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        next: { url: 'http://example.com/copy?q=1', method: 'GET', added: 'yes', isNextRequest: true, pathname: '/copy' },
        plain: { pathname: '/copy', search: '?q=1', method: 'GET', accept: 'text/x-test' },
      });
    });

    it.each(['next', 'plain'])('passes a POST body on to a copy (%s)', async (via) => {
      const response = await request(app).post(`/copy?via=${via}`).set('Content-Type', 'text/plain').send('the body');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ via, text: 'the body', method: 'POST', isNextRequest: via === 'next' });
    });

    it('gives GET and HEAD a null body even when the client sent one', async () => {
      const get = await httpRequest(server.port, { path: '/echo', headers: { 'content-type': 'text/plain' }, body: 'ignored body' });
      expect(JSON.parse(get.body)).toMatchObject({ method: 'GET', bodyNull: true, bodyUsed: false });

      const head = await httpRequest(server.port, { method: 'HEAD', path: '/echo', headers: { 'content-type': 'text/plain' }, body: 'ignored body' });
      expect(head.status).toBe(200);
      expect(head.headers['x-body-null']).toBe('true');
      expect(errors).toEqual([]);
    });
  });

  describe('reading the body', () => {
    it('streams the body in and the response out (10 JSON lines echoed exactly, in lockstep)', async () => {
      const lines = Array.from({ length: 10 }, (_, index) => `${JSON.stringify({ index, text: `line ${index}` })}\n`);
      const received = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/stream-echo', headers: { 'content-type': 'application/x-ndjson' } });
        let sent = 0;
        let echoed = '';
        req.on('error', reject);
        req.on('response', (response) => {
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            echoed += chunk;
            // The next line goes out only once the previous one came back: both directions stream.
            if (echoed === lines.slice(0, sent).join('')) {
              if (sent < lines.length) req.write(lines[sent++]);
              else req.end();
            }
          });
          response.on('end', () => resolve(echoed));
        });
        req.write(lines[sent++]);
      });
      expect(received).toBe(lines.join(''));
    });

    it('parses JSON that arrives one character per chunk', async () => {
      const json = JSON.stringify({ name: 'slow', list: [1, 2, 3], nested: { ok: true } });
      const socket = net.connect(server.port, '127.0.0.1');
      await once(socket, 'connect');
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      const ended = once(socket, 'end');
      const write = (text: string) => new Promise<void>((resolve, reject) => socket.write(text, (error) => (error ? reject(error) : resolve())));
      await write('POST /json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
      // Each character is its own HTTP chunk, so the handler's body stream gets one byte per read.
      for (const character of json) await write(`1\r\n${character}\r\n`);
      await write('0\r\n\r\n');
      await ended;
      expect(raw.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ received: JSON.parse(json) });
    });

    it('reads DELETE and OPTIONS bodies', async () => {
      const deleted = await request(app).delete('/named').send({ name: 'foo' });
      expect(deleted.status).toBe(200);
      expect(deleted.text).toBe('delete foo');
      const options = await request(app).options('/named').send({ name: 'bar' });
      expect(options.status).toBe(200);
      expect(options.text).toBe('options bar');
    });

    it('parses multipart formData() with a file', async () => {
      const response = await request(app)
        .post('/form')
        .field('title', 'hello')
        .attach('upload', Buffer.from('file contents\n'), { filename: 'notes.txt', contentType: 'text/plain' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual([
        ['title', 'hello'],
        ['upload', { name: 'notes.txt', type: 'text/plain', size: 14, text: 'file contents\n' }],
      ]);
    });
  });

  describe('bodies already read by Express middleware', () => {
    const post = async (path: string, contentType: string, body: string | Buffer) => {
      const response = await httpRequest(server.port, { method: 'POST', path, headers: { 'content-type': contentType }, body });
      expect(response.status).toBe(200);
      return JSON.parse(response.body) as Read;
    };
    const length = (text: string) => String(Buffer.byteLength(text));

    describe('express.json()', () => {
      const body = '{"a":1,"b":[true,null,"x"]}';
      it('json()', async () => {
        expect(await post('/json/read/json', 'application/json', body)).toMatchObject({ value: { a: 1, b: [true, null, 'x'] }, contentLength: length(body) });
      });
      it('text()', async () => {
        expect(await post('/json/read/text', 'application/json', body)).toMatchObject({ value: body, contentLength: length(body) });
      });
      it('arrayBuffer()', async () => {
        expect(await post('/json/read/bytes', 'application/json', body)).toMatchObject({ value: Buffer.from(body).toString('base64'), contentLength: length(body) });
      });
      it('re-serialises and fixes Content-Length (and drops Transfer-Encoding)', async () => {
        const spaced = '{ "a" : 1,\n  "b" : "é" }';
        const response = await httpRequest(server.port, {
          method: 'POST',
          path: '/json/read/text',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          body: spaced,
        });
        expect(JSON.parse(response.body)).toEqual({ value: '{"a":1,"b":"é"}', contentLength: length('{"a":1,"b":"é"}'), contentType: 'application/json', transferEncoding: null });
      });
      it('leaves a body of another type to stream in untouched', async () => {
        expect(await post('/json/read/text', 'text/plain', 'not json')).toMatchObject({ value: 'not json', contentLength: '8' });
      });
    });

    describe('express.json({ strict: false })', () => {
      it.each([
        ['{}', {}],
        ['[]', []],
        ['null', null],
        ['0', 0],
        ['"a string"', 'a string'],
      ])('%s reads back through json() and text()', async (text, value) => {
        expect(await post('/json-loose/read/json', 'application/json', text)).toMatchObject({ value, contentLength: length(text) });
        expect(await post('/json-loose/read/text', 'application/json', text)).toMatchObject({ value: text, contentLength: length(text) });
      });
    });

    describe('express.urlencoded({ extended: true })', () => {
      const body = 'a%5Bb%5D%5Bc%5D=1&a%5Bd%5D=two+words&list=x&list=y&plain=%26%3D';
      it('formData() gets the fields in the bracket form qs reads back', async () => {
        const read = await post('/qs/read/form', 'application/x-www-form-urlencoded', body);
        expect(read.value).toEqual([
          ['a[b][c]', '1'],
          ['a[d]', 'two words'],
          ['list', 'x'],
          ['list', 'y'],
          ['plain', '&='],
        ]);
      });
      it('text() round-trips through qs to the same object', async () => {
        const read = await post('/qs/read/text', 'application/x-www-form-urlencoded', body);
        expect(qs.parse(read.value as string)).toEqual({ a: { b: { c: '1' }, d: 'two words' }, list: ['x', 'y'], plain: '&=' });
        expect(read.contentLength).toBe(length(read.value as string));
      });
      it('arrayBuffer()', async () => {
        const text = (await post('/qs/read/text', 'application/x-www-form-urlencoded', body)).value as string;
        expect(await post('/qs/read/bytes', 'application/x-www-form-urlencoded', body)).toMatchObject({ value: Buffer.from(text).toString('base64'), contentLength: length(text) });
      });
    });

    describe('express.urlencoded({ extended: false })', () => {
      const body = 'a=1&b=two+words&a=2&c%5Bd%5D=3';
      it('formData() gets every field, repeated keys included', async () => {
        const read = await post('/simple/read/form', 'application/x-www-form-urlencoded', body);
        expect(read.value).toEqual([
          ['a', '1'],
          ['a', '2'],
          ['b', 'two words'],
          ['c[d]', '3'],
        ]);
      });
      it('text() and arrayBuffer() agree with Content-Length', async () => {
        const read = await post('/simple/read/text', 'application/x-www-form-urlencoded', body);
        expect(new URLSearchParams(read.value as string).getAll('a')).toEqual(['1', '2']);
        expect(read.contentLength).toBe(length(read.value as string));
        const bytes = await post('/simple/read/bytes', 'application/x-www-form-urlencoded', body);
        expect(Buffer.from(bytes.value as string, 'base64').toString()).toBe(read.value);
      });
    });

    describe('express.text()', () => {
      it('text() and arrayBuffer() get the UTF-8 text', async () => {
        const text = 'héllo wörld ✓';
        expect(await post('/text/read/text', 'text/plain; charset=utf-8', text)).toMatchObject({ value: text, contentLength: length(text) });
        expect(await post('/text/read/bytes', 'text/plain', text)).toMatchObject({ value: Buffer.from(text).toString('base64'), contentLength: length(text) });
      });
      it('re-encodes another charset as UTF-8 and says so', async () => {
        const read = await post('/text/read/text', 'text/plain; charset=iso-8859-1', Buffer.from('café', 'latin1'));
        expect(read).toEqual({ value: 'café', contentLength: '5', contentType: 'text/plain; charset=utf-8', transferEncoding: null });
      });
      it('json() of a JSON text', async () => {
        // express.text({ type: 'application/json' }) is a common way to keep the raw JSON.
        expect(await post('/text/read/json', 'text/plain', '{"x":[1]}')).toMatchObject({ value: { x: [1] } });
      });
    });

    describe('express.raw()', () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
      it('arrayBuffer() gets the bytes with the right Content-Length', async () => {
        expect(await post('/raw/read/bytes', 'application/octet-stream', bytes)).toEqual({
          value: bytes.toString('base64'),
          contentLength: '256',
          contentType: 'application/octet-stream',
          transferEncoding: null,
        });
      });
      it("hands the handler bytes of its own: changing them leaves the parser's req.body as it was", async () => {
        // Large enough for the parser's Buffer to own its memory (no pool slab), which arrayBuffer() must still copy.
        expect(await post('/raw/own-bytes', 'application/octet-stream', Buffer.alloc(64 * 1024, 7))).toEqual({ untouched: true });
      });
      it('also after a chunked upload', async () => {
        const response = await httpRequest(server.port, {
          method: 'POST',
          path: '/raw/read/bytes',
          headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
          body: bytes,
        });
        expect(JSON.parse(response.body)).toMatchObject({ value: bytes.toString('base64'), contentLength: '256', transferEncoding: null });
      });
    });

    it('prefers req.rawBody kept by a verify callback (the exact bytes)', async () => {
      const spaced = '{ "a" : 1 }';
      expect(await post('/verify/read/text', 'application/json', spaced)).toMatchObject({ value: spaced, contentLength: length(spaced) });
      expect(await post('/verify/read/json', 'application/json', spaced)).toMatchObject({ value: { a: 1 } });
    });

    describe('an empty body (Content-Length: 0)', () => {
      it.each([
        ['/json', 'application/json'],
        ['/json-loose', 'application/json'],
        ['/qs', 'application/x-www-form-urlencoded'],
        ['/simple', 'application/x-www-form-urlencoded'],
        ['/text', 'text/plain'],
        ['/raw', 'application/octet-stream'],
        ['/verify', 'application/json'],
        ['/api', 'application/json'],
      ])('after %s reads as empty', async (mount, contentType) => {
        const headers = { 'content-type': contentType, 'content-length': '0' };
        const text = await httpRequest(server.port, { method: 'POST', path: `${mount}/read/text`, headers });
        expect(JSON.parse(text.body)).toMatchObject({ value: '', contentLength: '0' });
        const bytes = await httpRequest(server.port, { method: 'POST', path: `${mount}/read/bytes`, headers });
        expect(JSON.parse(bytes.body)).toMatchObject({ value: '', contentLength: '0' });
        if (contentType === 'application/x-www-form-urlencoded') {
          const form = await httpRequest(server.port, { method: 'POST', path: `${mount}/read/form`, headers });
          expect(JSON.parse(form.body)).toMatchObject({ value: [] });
        }
        if (contentType === 'application/json') {
          // As in Next.js: json() of an empty body is a SyntaxError, which reaches Express.
          const json = await httpRequest(server.port, { method: 'POST', path: `${mount}/read/json`, headers });
          expect(json.status).toBe(500);
          expect((errors.at(-1) as Error).message).toContain('SyntaxError');
        }
      });
    });

    it('rejects the read with a clear error when the body cannot be rebuilt, and Express answers', async () => {
      const response = await request(app)
        .post('/consumed/read/text')
        .field('a', '1')
        .attach('file', Buffer.from('x'), 'x.txt');
      expect(response.status).toBe(500);
      expect(errors).toHaveLength(1);
      const error = errors[0] as RouteHandlerError;
      expect(error).toBeInstanceOf(RouteHandlerError);
      expect(error.message).toContain('method: POST, url: /consumed/read/text');
      expect((error.cause as Error).message).toMatch(
        /^The request body \(multipart\/form-data; boundary=[^)]+\) was already read by an earlier Express middleware and cannot be rebuilt\. Mount routeHandlers\(\) before that middleware, or have it keep the raw bytes in req\.rawBody\.$/,
      );
    });
  });

  describe('keep-alive after bodies the handler did not finish', () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    afterAll(() => agent.destroy());

    it.each([
      ['never read', '/unread', 'not read'],
      ['read only in part', '/partial', /^read \d+ bytes$/],
    ])('a large body the handler %s leaves the connection usable', async (_how, path, answer) => {
      const big = Buffer.alloc(768 * 1024, 'x');
      const first = await httpRequest(server.port, { method: 'POST', path, headers: { 'content-type': 'application/octet-stream' }, body: big, agent });
      expect(first.status).toBe(200);
      expect(first.body).toMatch(answer);
      const second = await httpRequest(server.port, { path: '/echo', agent });
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
      expect(second.localPort).toBe(first.localPort);
      expect(errors).toEqual([]);
    });

    it('says Connection: close when more is left unread than is drained, so the next request takes a new connection', async () => {
      const huge = Buffer.alloc(3 * 1024 * 1024, 'x');
      const first = await httpRequest(server.port, { method: 'POST', path: '/unread', headers: { 'content-type': 'application/octet-stream' }, body: huge, agent });
      expect([first.status, first.headers.connection, first.body]).toEqual([200, 'close', 'not read']);
      const second = await httpRequest(server.port, { path: '/echo', agent });
      expect([second.status, second.reusedSocket]).toEqual([200, false]);
    });
  });

  it('fails a body read that starts after the response instead of giving a truncated body', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/late', headers: { 'content-length': String(256 * 1024) } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        // Only the first half was sent before the answer; the rest follows it.
        response.on('end', () => {
          req.end(Buffer.alloc(128 * 1024, 'y'));
          resolve(body);
        });
      });
      req.on('error', reject);
      req.write(Buffer.alloc(128 * 1024, 'x'));
    });
    expect(first).toBe('answered before reading');
    const outcome = JSON.parse((await httpRequest(server.port, { path: '/late/status' })).body);
    expect(outcome).toEqual({
      error: 'The request body was discarded because the response was sent before it was read. Read the body before returning the Response.',
    });
    expect(errors).toEqual([]);
  });

  it('aborts request.signal with ResponseAborted when the client goes away, and lets the handler finish', async () => {
    const client = http.get({ host: '127.0.0.1', port: server.port, path: '/abort' });
    const clientClosed = new Promise<void>((resolve) => {
      client.on('error', () => resolve());
      client.on('close', () => resolve());
    });
    expect((await httpRequest(server.port, { path: '/abort/status?wait=started' })).status).toBe(200);
    client.destroy();
    await clientClosed;

    const aborted = JSON.parse((await httpRequest(server.port, { path: '/abort/status?wait=aborted' })).body);
    expect(aborted).toEqual({ name: 'ResponseAborted', message: expect.any(String), aborted: true });
    const finished = JSON.parse((await httpRequest(server.port, { path: '/abort/status?wait=finished' })).body);
    expect(finished).toEqual({ abortedAtEnd: true, stepsAfterAbort: 3 });
    // The late Response goes nowhere, and nothing reaches Express as an error.
    expect((await httpRequest(server.port, { path: '/echo' })).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('does not treat a client that goes away mid-upload as an error, even when the handler rethrows', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /upload-abort HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"partial": ');
    expect((await httpRequest(server.port, { path: '/upload-abort/status?wait=started' })).status).toBe(200);
    socket.destroy();
    const status = await httpRequest(server.port, { path: '/upload-abort/status?wait=failed' });
    expect(JSON.parse(status.body).failure).toEqual(expect.any(String));
    expect((await httpRequest(server.port, { path: '/echo' })).status).toBe(200);
    expect(errors).toEqual([]);
  });
});

