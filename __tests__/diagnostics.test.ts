import { routeHandlers } from '../lib';
import request from 'supertest';
import { expressVersions } from './helpers/express';
import { fixtureApp, handlersFor, recordErrors } from './helpers/server';

const appDir = fixtureApp('diagnostics');
const file = (name: string) => `${appDir}/${name}/route.ts`;

describe.each(expressVersions)('startup diagnostics (%s)', (_name, express) => {
  const logger = { warn: jest.fn() };
  const handlers = handlersFor('diagnostics', { logger });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);

  const warnings = () => logger.warn.mock.calls.map(([message]) => message as string);
  const warningsFor = (name: string) => warnings().filter((message) => message.includes(`'${file(name)}'`));

  it('warns once about a lowercase method export, with Next.js’s words and the file', () => {
    expect(warningsFor('lowercase')).toEqual([
      `express-route-handlers: Detected lowercase method 'get' in '${file('lowercase')}'. Export the uppercase 'GET' method name to fix this error.`,
    ]);
  });

  it('warns once about a default export next to named methods', () => {
    expect(warningsFor('default-export')).toEqual([
      `express-route-handlers: Detected default export in '${file('default-export')}'. Export a named export for each HTTP method instead.`,
    ]);
  });

  it('warns once about a file exporting no method', () => {
    expect(warningsFor('no-methods')).toEqual([
      `express-route-handlers: No HTTP methods exported in '${file('no-methods')}'. Export a named export for each HTTP method.`,
    ]);
  });

  it('gives a default-only file both of Next.js’s messages (§8 item 34)', () => {
    expect(warningsFor('default-only')).toEqual([
      `express-route-handlers: Detected default export in '${file('default-only')}'. Export a named export for each HTTP method instead.`,
      `express-route-handlers: No HTTP methods exported in '${file('default-only')}'. Export a named export for each HTTP method.`,
    ]);
  });

  it('says nothing about a normal file, and nothing else at all', () => {
    expect(warningsFor('normal')).toEqual([]);
    expect(warnings()).toHaveLength(5);
    expect(logger.warn.mock.calls.every((args) => args.length === 1)).toBe(true);
  });

  it('still serves the files: the ignored exports answer 405', async () => {
    expect((await request(app).get('/lowercase')).status).toBe(405);
    expect((await request(app).post('/lowercase')).text).toBe('post');
    expect((await request(app).get('/default-export')).text).toBe('get');
    expect((await request(app).get('/default-only')).status).toBe(405);
    expect((await request(app).get('/normal')).text).toBe('fine');
    expect(errors).toEqual([]);
  });
});

describe('startup diagnostics without a logger', () => {
  const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  const handlers = routeHandlers({ appDir: fixtureApp('diagnostics') });
  beforeAll(() => handlers.ready);
  afterAll(() => {
    consoleWarn.mockRestore();
    return handlers.close();
  });

  it('go to console.warn', () => {
    const messages = consoleWarn.mock.calls.map(([message]) => message as string);
    expect(messages).toHaveLength(5);
    expect(messages.every((message) => message.startsWith('express-route-handlers: '))).toBe(true);
  });
});
