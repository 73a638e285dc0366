// GET /stream?chunks=N&size=S&delay=MS[&fail=K]: N chunks of S bytes, pulled one at a time
// (backpressure), optionally MS ms apart. Chunk i is filled with the letter 'A' + i % 26, so the
// client can check order and length. With `fail=K` the stream errors instead of sending chunk K
// (K = 0: before anything was sent). A stream cancelled because the client went away is counted.
import type { NextRequest } from 'next/server';
import { stats } from '../../stats.mjs';

export function GET(request: NextRequest) {
  const query = request.nextUrl.searchParams;
  const chunks = Number(query.get('chunks') ?? 64);
  const size = Number(query.get('size') ?? 1024);
  const delay = Number(query.get('delay') ?? 0);
  const failAt = query.has('fail') ? Number(query.get('fail')) : -1;
  let sent = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      // The client may have left while we waited.
      if (cancelled) return;
      if (sent === failAt) return controller.error(new Error('soak: stream failure'));
      controller.enqueue(new Uint8Array(size).fill(65 + (sent % 26)));
      sent += 1;
      if (sent === chunks) controller.close();
    },
    cancel() {
      cancelled = true;
      stats.streamCancels += 1;
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/octet-stream' } });
}
