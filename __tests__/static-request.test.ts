import { RequestCookies } from '../lib/next/cookies';
import { NextURL } from '../lib/next/next-url';
import {
  READONLY_COOKIES_MESSAGE,
  READONLY_HEADERS_MESSAGE,
  ReadonlyHeadersError,
  ReadonlyRequestCookiesError,
  readonlyHeaders,
  readonlyRequestCookies,
} from '../lib/next/readonly';
import { directBody, NextRequest, type NextRequestInit } from '../lib/next/request';
import { readWhole } from '../lib/http/body-sinks';
import { dynamicErrorRequest, forceStaticRequest, isStaticGenBailoutError, StaticGenBailoutError } from '../lib/http/static-request';

const HEADERS_ERROR = 'Headers cannot be modified. Read more: https://nextjs.org/docs/app/api-reference/functions/headers';
const COOKIES_ERROR =
  'Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options';
const STATIC_URL = 'http://localhost:3000/api/x';

function original(init: NextRequestInit = {}): NextRequest {
  return new NextRequest('http://example.com:8080/api/x?query=true', {
    ...init,
    headers: { accept: 'a', cookie: 'session=1', ...(init.headers as Record<string, string> | undefined) },
  });
}

function post(body: BodyInit, contentType: string): NextRequest {
  return original({ method: 'POST', body, headers: { 'content-type': contentType } });
}

describe('readonlyHeaders', () => {
  it('is a real Headers holding a snapshot of the source', () => {
    const source = new Headers({ a: '1', b: '2' });
    const headers = readonlyHeaders(source);
    source.set('a', 'changed');
    expect(headers).toBeInstanceOf(Headers);
    expect([...headers]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(headers.get('a')).toBe('1');
    expect(headers.has('b')).toBe(true);
    expect(readonlyHeaders([['x', '1'], ['x', '2']]).get('x')).toBe('1, 2');
    expect([...readonlyHeaders()]).toEqual([]);
  });

  it.each([
    ['set', (h: Headers) => h.set('a', 'x')],
    ['append', (h: Headers) => h.append('a', 'x')],
    ['delete', (h: Headers) => h.delete('a')],
  ])('%s throws Next’s error', (_name, mutate) => {
    const headers = readonlyHeaders({ a: '1' });
    expect(() => mutate(headers)).toThrow(ReadonlyHeadersError);
    expect(() => mutate(headers)).toThrow(HEADERS_ERROR);
    expect(headers.get('a')).toBe('1');
  });

  it('passes platform brand checks', () => {
    const headers = readonlyHeaders({ a: '1' });
    expect(new Headers(headers).get('a')).toBe('1');
    expect(new Request('http://x/', { headers }).headers.get('a')).toBe('1');
    expect(new Response(null, { headers }).headers.get('a')).toBe('1');
  });

  it('exports the messages', () => {
    expect(READONLY_HEADERS_MESSAGE).toBe(HEADERS_ERROR);
    expect(READONLY_COOKIES_MESSAGE).toBe(COOKIES_ERROR);
  });
});

describe('readonlyRequestCookies', () => {
  it('is a live read-only view and a RequestCookies', () => {
    const source = new RequestCookies(new Headers({ cookie: 'a=1; b=2' }));
    const cookies = readonlyRequestCookies(source);
    expect(cookies).toBeInstanceOf(RequestCookies);
    expect(cookies.get('a')).toEqual({ name: 'a', value: '1' });
    expect(cookies.get({ name: 'b', value: '' })).toEqual({ name: 'b', value: '2' });
    expect(cookies.getAll()).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ]);
    expect(cookies.getAll('b')).toEqual([{ name: 'b', value: '2' }]);
    expect(cookies.has('a')).toBe(true);
    expect(cookies.size).toBe(2);
    expect([...cookies].map(([name]) => name)).toEqual(['a', 'b']);
    expect(cookies.toString()).toBe('a=1; b=2');
    source.set('c', '3');
    expect(cookies.get('c')).toEqual({ name: 'c', value: '3' });
  });

  it.each([
    ['set', (c: RequestCookies) => c.set('a', 'x')],
    ['set (object)', (c: RequestCookies) => c.set({ name: 'a', value: 'x' })],
    ['delete', (c: RequestCookies) => c.delete('a')],
    ['delete (list)', (c: RequestCookies) => c.delete(['a'])],
    ['clear', (c: RequestCookies) => c.clear()],
  ])('%s throws Next’s error and changes nothing', (_name, mutate) => {
    const source = new RequestCookies(new Headers({ cookie: 'a=1' }));
    const cookies = readonlyRequestCookies(source);
    expect(() => mutate(cookies)).toThrow(ReadonlyRequestCookiesError);
    expect(() => mutate(cookies)).toThrow(COOKIES_ERROR);
    expect(source.get('a')).toEqual({ name: 'a', value: '1' });
  });
});

describe('forceStaticRequest', () => {
  // §8 item 32 of the spec, on `/api/x?query=true` served from another host and port.
  it('sanitises the URL', () => {
    const request = forceStaticRequest(original());
    expect(request.nextUrl.href).toBe(STATIC_URL);
    expect(request.nextUrl.toString()).toBe(STATIC_URL);
    expect(request.nextUrl.toJSON()).toBe(STATIC_URL);
    expect(JSON.stringify({ url: request.nextUrl })).toBe(`{"url":"${STATIC_URL}"}`);
    expect(`${request.nextUrl}`).toBe(STATIC_URL);
    expect(request.nextUrl.clone().toString()).toBe(STATIC_URL);
    expect(request.url).toBe(STATIC_URL);
    expect(request.nextUrl.search).toBe('');
    expect(request.nextUrl.searchParams.get('query')).toBeNull();
    expect([...request.nextUrl.searchParams]).toEqual([]);
    expect((request.nextUrl as unknown as { url?: unknown }).url).toBeUndefined();
    expect(request.nextUrl.pathname).toBe('/api/x');
    // The whole URL is the sanitised one, host and origin included.
    expect(request.nextUrl.origin).toBe('http://localhost:3000');
    expect(request.nextUrl.host).toBe('localhost:3000');
    expect(request.nextUrl.port).toBe('3000');
    expect(request.nextUrl.protocol).toBe('http:');
  });

  it('forces http and localhost:3000 whatever the original protocol, host and port', () => {
    expect(forceStaticRequest(new NextRequest('https://secure.example/a/b?x=1')).url).toBe('http://localhost:3000/a/b');
    expect(forceStaticRequest(new NextRequest('http://127.0.0.1:4000/')).url).toBe('http://localhost:3000/');
    expect(forceStaticRequest(new NextRequest('http://example.com/a%20b/%E2%9C%93?x')).url).toBe('http://localhost:3000/a%20b/%E2%9C%93');
    expect(forceStaticRequest(new NextRequest('http://example.com/dir/?x=1')).url).toBe('http://localhost:3000/dir/');
  });

  it('hides headers behind an empty read-only Headers', () => {
    const request = forceStaticRequest(original());
    expect(request.headers).toBeInstanceOf(Headers);
    expect(request.headers.get('accept')).toBeNull();
    expect(request.headers.get('cookie')).toBeNull();
    expect([...request.headers]).toEqual([]);
    expect(request.headers).toBe(request.headers);
    expect(() => request.headers.set('accept', 'b')).toThrow(HEADERS_ERROR);
    expect(() => request.headers.append('accept', 'b')).toThrow(HEADERS_ERROR);
    expect(() => request.headers.delete('accept')).toThrow(HEADERS_ERROR);
  });

  it('hides cookies behind an empty read-only store', () => {
    const request = forceStaticRequest(original());
    expect(request.cookies).toBeInstanceOf(RequestCookies);
    expect(request.cookies.get('session')).toBeUndefined();
    expect(request.cookies.has('session')).toBe(false);
    expect(request.cookies.getAll()).toEqual([]);
    expect(request.cookies.size).toBe(0);
    expect(() => request.cookies.set('session', '2')).toThrow(COOKIES_ERROR);
    expect(() => request.cookies.delete('session')).toThrow(COOKIES_ERROR);
    expect(() => request.cookies.clear()).toThrow(COOKIES_ERROR);
  });

  it('is still a NextRequest and a Request, with ip and geo undefined', () => {
    const request = forceStaticRequest(original());
    expect(request).toBeInstanceOf(NextRequest);
    expect(request).toBeInstanceOf(Request);
    expect(request.ip).toBeUndefined();
    expect(request.geo).toBeUndefined();
    expect(request.method).toBe('GET');
    expect(request.body).toBeNull();
  });

  it('leaves the original request alone', () => {
    const source = original();
    forceStaticRequest(source);
    expect(source.url).toBe('http://example.com:8080/api/x?query=true');
    expect(source.headers.get('accept')).toBe('a');
    expect(source.cookies.get('session')).toEqual({ name: 'session', value: '1' });
  });

  it('gives the sanitised data to platform code that copies the request', () => {
    const request = forceStaticRequest(original());
    const copy = new Request(request);
    expect(copy.url).toBe(STATIC_URL);
    expect([...copy.headers]).toEqual([]);
    expect(new NextRequest(request).url).toBe(STATIC_URL);
  });

  it('keeps the method and the body of a POST', async () => {
    const request = forceStaticRequest(post('{"a":1}', 'application/json'));
    expect(request.method).toBe('POST');
    expect(request.bodyUsed).toBe(false);
    expect(await request.json()).toEqual({ a: 1 });
    expect(request.bodyUsed).toBe(true);
    // Jest's sandbox has its own TypeError, so match the platform's message instead.
    await expect(request.text()).rejects.toThrow('Body is unusable');
  });

  it.each(['PUT', 'PATCH', 'DELETE'])('keeps a %s body', async (method) => {
    const request = forceStaticRequest(original({ method, body: 'payload' }));
    expect(request.method).toBe(method);
    expect(await request.text()).toBe('payload');
  });

  it('reads a body as text, bytes and stream', async () => {
    expect(await forceStaticRequest(post('hello', 'text/plain')).text()).toBe('hello');
    expect(Buffer.from(await forceStaticRequest(post('bytes', 'application/octet-stream')).arrayBuffer()).toString()).toBe('bytes');
    const streamed = forceStaticRequest(post('chunk', 'text/plain'));
    expect(await new Response(streamed.body).text()).toBe('chunk');
  });

  it('keeps the meaning of form bodies although the Content-Type is hidden', async () => {
    const urlencoded = forceStaticRequest(post('a=1&b=two', 'application/x-www-form-urlencoded'));
    expect(urlencoded.headers.get('content-type')).toBeNull();
    expect([...(await urlencoded.formData())]).toEqual([
      ['a', '1'],
      ['b', 'two'],
    ]);
    expect(urlencoded.bodyUsed).toBe(true);

    const form = new FormData();
    form.append('field', 'value');
    const multipartSource = new Request('http://x/', { method: 'POST', body: form });
    const multipart = forceStaticRequest(
      post(await multipartSource.arrayBuffer(), multipartSource.headers.get('content-type')!),
    );
    expect((await multipart.formData()).get('field')).toBe('value');

    const blob = await forceStaticRequest(post('x', 'Text/Plain; charset=UTF-8')).blob();
    expect(blob.type).toBe('text/plain;charset=utf-8');
    expect(await blob.text()).toBe('x');
  });

  it('fails body reads the way the platform does', async () => {
    const used = forceStaticRequest(post('a=1', 'application/x-www-form-urlencoded'));
    await used.text();
    await expect(used.formData()).rejects.toThrow('Body is unusable');
    await expect(forceStaticRequest(original()).formData()).rejects.toThrow('Content-Type was not one of');
  });

  it('keeps the sanitisation on clone(), and both copies can read the body', async () => {
    const request = forceStaticRequest(post('a=1', 'application/x-www-form-urlencoded'));
    const copy = request.clone();
    expect(copy).toBeInstanceOf(NextRequest);
    expect(copy).not.toBe(request);
    expect(copy.url).toBe(STATIC_URL);
    expect(copy.nextUrl.href).toBe(STATIC_URL);
    expect(copy.nextUrl.search).toBe('');
    expect(copy.headers.get('accept')).toBeNull();
    expect(() => copy.headers.set('a', 'b')).toThrow(HEADERS_ERROR);
    expect(copy.cookies.get('session')).toBeUndefined();
    expect(() => copy.cookies.set('a', 'b')).toThrow(COOKIES_ERROR);
    expect(copy.method).toBe('POST');
    expect(copy.clone().url).toBe(STATIC_URL);
    expect((await copy.formData()).get('a')).toBe('1');
    expect(await request.text()).toBe('a=1');
  });

  it('follows the original request’s signal', () => {
    const controller = new AbortController();
    const request = forceStaticRequest(original({ signal: controller.signal }));
    const copy = request.clone();
    expect(request.signal.aborted).toBe(false);
    controller.abort(new Error('gone'));
    expect(request.signal.aborted).toBe(true);
    expect(copy.signal.aborted).toBe(true);
  });

  it('keeps the socket shortcut for json()/text(), but not after clone()', async () => {
    const source = post('{"via":"stream"}', 'application/json');
    source[directBody] = (sink) => readWhole(Buffer.from('{"via":"direct"}'), sink);
    const request = forceStaticRequest(source);
    expect(source[directBody]).toBeUndefined();
    expect(await request.json()).toEqual({ via: 'direct' });

    const other = post('{"via":"stream"}', 'application/json');
    other[directBody] = (sink) => readWhole(Buffer.from('{"via":"direct"}'), sink);
    const sanitised = forceStaticRequest(other);
    const copy = sanitised.clone();
    expect(await sanitised.json()).toEqual({ via: 'stream' });
    expect(await copy.json()).toEqual({ via: 'stream' });
  });

  it('keeps the removed page/ua getters throwing', () => {
    const request = forceStaticRequest(original());
    expect(() => request.page).toThrow('The request.page has been deprecated');
    expect(() => request.ua).toThrow('The request.ua has been removed');
  });
});

describe('dynamicErrorRequest', () => {
  const message = (route: string, expression: string) =>
    `Route ${route} with \`dynamic = "error"\` couldn't be rendered statically because it used \`${expression}\`.`;

  function expectBailout(read: () => unknown, route: string, expression: string): void {
    let thrown: unknown;
    try {
      read();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StaticGenBailoutError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as StaticGenBailoutError).code).toBe('NEXT_STATIC_GEN_BAILOUT');
    expect(isStaticGenBailoutError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(message(route, expression));
  }

  const requestReads: [string, (r: NextRequest) => unknown][] = [
    ['headers', (r) => r.headers],
    ['cookies', (r) => r.cookies],
    ['url', (r) => r.url],
    ['body', (r) => r.body],
    ['blob', (r) => r.blob()],
    ['json', (r) => r.json()],
    ['text', (r) => r.text()],
    ['arrayBuffer', (r) => r.arrayBuffer()],
    ['formData', (r) => r.formData()],
  ];

  it.each(requestReads)('request.%s throws', (name, read) => {
    expectBailout(() => read(dynamicErrorRequest(original())), '/api/x', `request.${name}`);
  });

  const urlReads: [string, (u: NextURL) => unknown][] = [
    ['search', (u) => u.search],
    ['searchParams', (u) => u.searchParams],
    ['url', (u) => (u as unknown as { url: unknown }).url],
    ['href', (u) => u.href],
    ['toJSON', (u) => u.toJSON()],
    ['toString', (u) => u.toString()],
    ['origin', (u) => u.origin],
  ];

  it.each(urlReads)('nextUrl.%s throws', (name, read) => {
    expectBailout(() => read(dynamicErrorRequest(original()).nextUrl), '/api/x', `nextUrl.${name}`);
  });

  it('throws for implicit conversions of nextUrl too', () => {
    const request = dynamicErrorRequest(original());
    expectBailout(() => `${request.nextUrl}`, '/api/x', 'nextUrl.toString');
    expectBailout(() => JSON.stringify(request.nextUrl), '/api/x', 'nextUrl.toJSON');
  });

  it('lets pathname, method and the other URL parts through', () => {
    const request = dynamicErrorRequest(original({ method: 'POST', body: 'x' }));
    expect(request).toBeInstanceOf(NextRequest);
    expect(request).toBeInstanceOf(Request);
    expect(request.nextUrl.pathname).toBe('/api/x');
    expect(request.method).toBe('POST');
    expect(request.nextUrl.host).toBe('example.com:8080');
    expect(request.nextUrl.basePath).toBe('');
    expect(request.bodyUsed).toBe(false);
    expect(request.signal.aborted).toBe(false);
    expect(request.ip).toBeUndefined();
    expect(request.geo).toBeUndefined();
  });

  it('names the route it is given instead of the pathname', () => {
    const request = dynamicErrorRequest(new NextRequest('http://example.com/blog/first?x=1'), '/blog/[slug]');
    expectBailout(() => request.headers, '/blog/[slug]', 'request.headers');
    expectBailout(() => request.nextUrl.searchParams, '/blog/[slug]', 'nextUrl.searchParams');
  });

  it('keeps throwing on clone() and nextUrl.clone()', () => {
    const request = dynamicErrorRequest(original());
    const copy = request.clone();
    expect(copy).toBeInstanceOf(NextRequest);
    expect(copy.nextUrl.pathname).toBe('/api/x');
    expectBailout(() => copy.headers, '/api/x', 'request.headers');
    expectBailout(() => copy.url, '/api/x', 'request.url');
    const url = request.nextUrl.clone();
    expect(url).toBeInstanceOf(NextURL);
    expect(url.pathname).toBe('/api/x');
    expectBailout(() => url.searchParams, '/api/x', 'nextUrl.searchParams');
  });

  it('leaves the original request readable', async () => {
    const source = original({ method: 'POST', body: 'payload' });
    dynamicErrorRequest(source);
    expect(source.url).toBe('http://example.com:8080/api/x?query=true');
    expect(source.headers.get('accept')).toBe('a');
  });
});
