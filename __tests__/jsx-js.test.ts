import request from 'supertest';
import { expressVersions } from './helpers/express';
import { pngSize } from './helpers/png';
import { handlersFor, recordErrors } from './helpers/server';

// The module the `api/shared` route imports: still Node's own instance, not a bundled copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const markup = require('./fixtures/jsx-js/shared/markup.js') as { calls: string[] };

const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

const element = (type: string, props: Record<string, unknown>) => ({ type, key: null, props });

describe.each(expressVersions)('JSX in .js and .jsx files (%s)', (_name, express) => {
  const handlers = handlersFor('jsx-js');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it('a route.js answering new ImageResponse(<div>…</div>) renders a PNG', async () => {
    const response = await binary(request(app).get('/api/og'));
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(pngSize(response.body as Buffer)).toEqual({ width: 120, height: 60 });
  });

  it('metadata files in .js with JSX (opengraph-image.js, icon.js) render their images', async () => {
    const og = await binary(request(app).get('/social/opengraph-image'));
    expect(og.status).toBe(200);
    expect(og.headers['content-type']).toBe('image/png');
    expect(pngSize(og.body as Buffer)).toEqual({ width: 90, height: 40 });
    expect(handlers.routes.find((route) => route.pattern === '/social/opengraph-image')).toMatchObject({ alt: 'Card from opengraph-image.js' });
    const icon = await binary(request(app).get('/icon'));
    expect(icon.status).toBe(200);
    expect(pngSize(icon.body as Buffer)).toEqual({ width: 32, height: 32 });
  });

  it('a route.jsx uses JSX components from .js modules inside and outside the app directory', async () => {
    const response = await request(app).get('/api/jsx');
    expect(errors).toEqual([]);
    expect(response.body).toEqual({
      page: element('main', { id: 'page', children: element('section', { className: 'card', children: 'from .jsx' }) }),
      badge: element('b', { children: 'shared' }),
    });
  });

  it('plain .js routes still load: ESM with comparisons, CommonJS with require()', async () => {
    expect((await request(app).get('/esm')).body).toEqual({ format: 'esm', ordered: true });
    expect((await request(app).get('/cjs')).body).toEqual({ format: 'cjs', less: true });
  });

  it('a shared plain .js module outside the app (markup only in strings) stays the instance Node loads', async () => {
    markup.calls.splice(0);
    const response = await request(app).get('/api/shared');
    expect(response.text).toBe('<p>shared</p>');
    expect(markup.calls).toEqual(['route']);
  });
});
