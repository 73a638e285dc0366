// The same logic as bench/app/**/route.ts, written as plain fetch handlers
// (Request in, Response out) for the naive adapter, which cannot use the library.
import { STREAM_BYTE, STREAM_CHUNK_COUNT, STREAM_CHUNK_SIZE } from './scenarios.mjs';

// Allocated once so the benchmark measures streaming, not allocation.
const CHUNK = new Uint8Array(STREAM_CHUNK_SIZE).fill(STREAM_BYTE);

export const hello = {
  GET(request) {
    const name = new URL(request.url).searchParams.get('name');
    return Response.json({ hello: name });
  },
};

export const user = {
  async GET(request, { params }) {
    const { id } = await params;
    return Response.json({ id });
  },
};

export const echo = {
  async POST(request) {
    return Response.json(await request.json());
  },
};

export const stream = {
  GET() {
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        controller.enqueue(CHUNK);
        sent += 1;
        if (sent === STREAM_CHUNK_COUNT) controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  },
};

export const cookies = {
  GET(request) {
    // Without next/server there is no request.cookies: split the header by hand.
    let session;
    for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq !== -1 && pair.slice(0, eq).trim() === 'session') session = decodeURIComponent(pair.slice(eq + 1).trim());
    }
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/; HttpOnly');
    return Response.json({ session }, { headers });
  },
};
