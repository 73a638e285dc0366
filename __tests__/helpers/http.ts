import http from 'node:http';

export interface Answer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  bytes: Buffer;
  reusedSocket: boolean;
  localPort: number | undefined;
}

export interface RequestOptions {
  method?: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: http.Agent;
}

/**
 * One request through Node's client, which sends methods supertest will not (PROPFIND, QUERY,
 * TRACE), bodies and request targets (absolute-form too) exactly as given.
 */
export function httpRequest(port: number, options: RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    if (options.body !== undefined && headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, agent: options.agent ?? false }, (response) => {
      const chunks: Buffer[] = [];
      const localPort = response.socket?.localPort;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: response.statusCode!,
          statusMessage: response.statusMessage!,
          headers: response.headers,
          rawHeaders: response.rawHeaders,
          body: bytes.toString('utf8'),
          bytes,
          reusedSocket: req.reusedSocket,
          localPort,
        });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
