import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { WebSocketServer } from 'ws';
import { expressVersions } from './helpers/express';
import { fixtures, handlersFor, once, recordErrors } from './helpers/server';

// What the host process had before any route loaded (nothing on Node 20, the platform's on 22+).
const hostWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
const nodeMajor = Number(process.versions.node.split('.')[0]);

describe.each(expressVersions)('WebSocket in route files (%s)', (_name, express) => {
  const handlers = handlersFor('route-globals');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);

  const received: string[] = [];
  let server: WebSocketServer;
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        received.push(String(data));
        socket.send(`echo: ${String(data)}`);
      });
    });
    await once(server, 'listening');
    await handlers.ready;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    errors.splice(0);
    received.splice(0);
  });

  it('a route opens a WebSocket to a server and answers with what it received', async () => {
    const { port } = server.address() as { port: number };
    const response = await request(app).get(`/ws-echo?to=${encodeURIComponent(`ws://127.0.0.1:${port}/`)}`);
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ reply: 'echo: hello from the route', closeCode: 1000, protocol: 'ws://' });
    expect(received).toEqual(['hello from the route']);
  });

  it('`typeof WebSocket` at call time finds a constructor (the check of Next’s own app-routes suite)', async () => {
    const response = await request(app).get('/ws-check');
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(response.text).toBe('hello, world');
  });

  it('`globalThis.WebSocket` in route code is the same standard constructor, while the host’s global is untouched', async () => {
    const response = await request(app).get('/ws-member');
    expect(response.body).toEqual({
      typeofName: 'function',
      name: 'WebSocket',
      typeofMember: 'function',
      sameBinding: true,
      realGlobal: typeof hostWebSocket,
      standard: true,
    });
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBe(hostWebSocket);
    if (nodeMajor < 22) expect(hostWebSocket).toBeUndefined();
  });
});

describe('WebSocket in a plain Node process', () => {
  const run = promisify(execFile);
  // Loads the library's sources (esbuild-register), serves one route, and tells what it saw.
  const script = `
const express = require('express');
const { routeHandlers } = require('./lib');
const [appDir, route, platform] = process.argv.slice(1);
if (platform === 'platform') globalThis.WebSocket = class PlatformWebSocket {};
(async () => {
  const handlers = routeHandlers({ appDir, logger: { warn() {} } });
  await handlers.ready;
  const app = express();
  app.use(handlers);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const body = await (await fetch('http://127.0.0.1:' + server.address().port + route)).json();
  server.close();
  await handlers.close();
  const undiciLoaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/undici/'));
  process.stdout.write(JSON.stringify({ body, undiciLoaded, hostWebSocket: globalThis.WebSocket && globalThis.WebSocket.name }));
})().catch((error) => {
  process.stdout.write(JSON.stringify({ failed: String(error && error.stack) }));
  process.exit(1);
});
`;
  async function node(appDir: string, route: string, platform = ''): Promise<Record<string, unknown>> {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const root = path.join(__dirname, '..');
    const { stdout } = await run(process.execPath, ['-r', 'esbuild-register', '-e', script, appDir, route, platform], { cwd: root, env, timeout: 15000 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout || JSON.stringify({ failed: String(error) }) }),
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('undici is loaded only once route code names WebSocket, and the global stays unset', async () => {
    const plain = await node(path.join(fixtures, 'route-globals', 'no-websocket', 'app'), '/plain');
    expect(plain).toEqual({ body: { plain: true }, undiciLoaded: false, ...(nodeMajor < 22 ? {} : { hostWebSocket: 'WebSocket' }) });
    const named = await node(path.join(fixtures, 'route-globals', 'app'), '/ws-member');
    expect(named.failed).toBeUndefined();
    expect(named.body).toMatchObject({ typeofName: 'function', name: 'WebSocket', standard: true });
    if (nodeMajor < 22) {
      expect(named).toMatchObject({ undiciLoaded: true, body: { realGlobal: 'undefined' } });
      expect(named.hostWebSocket).toBeUndefined();
    }
  });

  it('where the platform has a WebSocket, route code gets that one and undici is not loaded', async () => {
    const output = await node(path.join(fixtures, 'route-globals', 'app'), '/ws-member', 'platform');
    expect(output).toEqual({
      body: { typeofName: 'function', name: 'PlatformWebSocket', typeofMember: 'function', sameBinding: true, realGlobal: 'function', standard: false },
      undiciLoaded: false,
      hostWebSocket: 'PlatformWebSocket',
    });
  });
});
