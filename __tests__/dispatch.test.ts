import http from 'node:http';
import request from 'supertest';
import { RouteHandlerError } from '../lib';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { fixtureApp, handlersFor, recordErrors, serve } from './helpers/server';

const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

describe.each(expressVersions)('dispatch (%s)', (_name, express) => {
  const handlers = handlersFor('dispatch');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it.each(methods)('%s runs the exported handler with that method', async (method) => {
    const response = await request(app)[method.toLowerCase() as 'get']('/all');
    expect(response.status).toBe(200);
    expect(response.headers['x-method']).toBe(method);
    expect(response.text).toBe(method);
  });

  it('answers HEAD with the GET handler, its headers and no body', async () => {
    const response = await request(app).head('/get-only');
    expect(response.status).toBe(200);
    expect(response.headers['x-method']).toBe('HEAD');
    expect(response.headers['content-length']).toBe('12');
    expect(response.text).toBeUndefined();
  });

  it('prefers an exported HEAD over GET', async () => {
    const response = await request(app).head('/head-own');
    expect(response.headers['x-from']).toBe('head');
  });

  it.each([
    ['/get-only', 'GET, HEAD, OPTIONS'],
    ['/post-only', 'OPTIONS, POST'],
    ['/none', 'OPTIONS'],
    ['/lowercase', 'OPTIONS'],
    ['/default-export', 'OPTIONS'],
  ])('answers OPTIONS %s with 204 and a sorted Allow', async (path, allow) => {
    const response = await request(app).options(path);
    expect(response.status).toBe(204);
    expect(response.headers.allow).toBe(allow);
    expect(response.text).toBe('');
  });

  it('lets an exported OPTIONS answer as it likes', async () => {
    const response = await request(app).options('/custom-options');
    expect(response.status).toBe(200);
    expect(response.headers['x-custom']).toBe('options');
    expect(response.headers.allow).toBe('GET');
  });

  it.each([
    ['POST', '/get-only', 'GET, HEAD, OPTIONS'],
    ['GET', '/post-only', 'OPTIONS, POST'],
    ['GET', '/lowercase', 'OPTIONS'],
    ['DELETE', '/default-export', 'OPTIONS'],
    ['PROPFIND', '/get-only', 'GET, HEAD, OPTIONS'],
    ['QUERY', '/get-only', 'GET, HEAD, OPTIONS'],
    ['TRACE', '/all', 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT'],
  ])('answers %s %s with 405, Allow and an empty body', async (method, path, allow) => {
    const response = await httpRequest(server.port, { method, path });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.body).toBe('');
    expect(errors).toEqual([]);
  });

  it('hands a thrown error to Express with the file, method and URL', async () => {
    const response = await request(app).get('/throws?x=1');
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
    const error = errors[0] as RouteHandlerError;
    expect(error).toBeInstanceOf(RouteHandlerError);
    expect(error.message).toBe(`Route handler '${fixtureApp('dispatch')}/throws/route.ts' threw (method: GET, url: /throws?x=1): Error: kaboom`);
    expect((error.cause as Error).message).toBe('kaboom');
    expect(error.stack).toContain('throws/route.ts');
  });

  it('treats a thrown string or Response as an error, not as the answer', async () => {
    expect((await request(app).post('/throws')).status).toBe(500);
    expect((await request(app).put('/throws')).status).toBe(500);
    expect((errors[0] as Error).message).toContain("threw (method: POST, url: /throws): a non-Error value (string)");
    expect((errors[1] as Error).message).toContain('a non-Error value (Response)');
  });

  it.each([
    ['get', 'Object'],
    ['post', 'undefined'],
    ['put', 'null'],
    ['delete', 'string'],
  ] as const)('reports a %s handler returning %s with Next.js words', async (method, received) => {
    const response = await request(app)[method]('/non-response');
    expect(response.status).toBe(500);
    expect((errors[0] as Error).message).toBe(
      `No response is returned from route handler '${fixtureApp('dispatch')}/non-response/route.ts'. Expected a Response object but received '${received}' (method: ${method.toUpperCase()}, url: /non-response). Ensure you return a \`Response\` or a \`NextResponse\` in all branches of your handler.`,
    );
  });

  it('rejects NextResponse.rewrite() and NextResponse.next() from a handler', async () => {
    await request(app).get('/middleware-only');
    await request(app).post('/middleware-only');
    expect((errors[0] as Error).message).toBe(
      'NextResponse.rewrite() was used in a app route handler, this is not currently supported. Please remove the invocation to continue.',
    );
    expect((errors[1] as Error).message).toContain('https://nextjs.org/docs/messages/next-response-next-in-app-route-handler');
  });

  it('destroys the socket when the body fails after the first chunk', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get({ port: server.port, host: '127.0.0.1', path: '/stream-error' }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('error', () => {});
        response.on('close', () => resolve(response.complete ? 'complete' : `truncated after ${JSON.stringify(body)}`));
      });
      req.on('error', (error) => resolve(`request failed: ${error.message}`));
    });
    expect(outcome).toBe('truncated after "first chunk"');
  });

  it('hands a body that fails before the first chunk to Express, without the handler headers', async () => {
    const response = await request(app).post('/stream-error');
    expect(response.status).toBe(500);
    expect(response.headers['x-custom']).toBeUndefined();
    expect((errors[0] as Error).message).toContain('broke before the first chunk');
  });

  it('passes params as a Promise whose keys are also readable directly, decoded per segment', async () => {
    const response = await request(app).get('/params/a%2Fb%20c');
    expect(response.body).toEqual({ id: 'a/b c', syncId: 'a/b c' });
  });

  it('passes { params: undefined } to routes without dynamic segments', async () => {
    const response = await request(app).get('/plain');
    expect(response.body).toEqual({ keys: ['params'], params: null, isUndefined: true });
  });

  it('answers malformed percent-encoding in a param with 400', async () => {
    for (const path of ['/params/%ZZ', '/params/%E0%A4%A']) {
      const response = await request(app).get(path);
      expect(response.status).toBe(400);
      expect(response.text).toBe('');
    }
    expect(errors).toEqual([]);
  });

  it('copies status and status text', async () => {
    const response = await request(app).get('/status-text');
    expect(response.status).toBe(299);
    expect((response as unknown as { res: http.IncomingMessage }).res.statusMessage).toBe('Custom Text');
  });
});
