import type { NextRequest } from 'next/server';

const INTERVAL_MS = 500;

// GET /api/events — Server-Sent Events. Sends a few `tick` events, then `done`, and stops early
// when the client disconnects (request.signal aborts). Try: curl -N http://127.0.0.1:3000/api/events
export async function GET(request: NextRequest) {
  const count = Math.min(Number(request.nextUrl.searchParams.get('count')) || 5, 50);
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let sent = 0;
      const send = (event: string, data: unknown) => {
        controller.enqueue(encoder.encode(`event: ${event}\nid: ${sent}\ndata: ${JSON.stringify(data)}\n\n`));
      };
      const stop = () => {
        clearInterval(timer);
        timer = undefined;
      };

      controller.enqueue(encoder.encode(`retry: 2000\n: stream of ${count} events\n\n`));
      timer = setInterval(() => {
        sent += 1;
        send('tick', { n: sent, of: count, at: new Date().toISOString() });
        if (sent >= count) {
          stop();
          send('done', { n: sent });
          controller.close();
        }
      }, INTERVAL_MS);

      request.signal.addEventListener('abort', () => {
        if (timer === undefined) return;
        stop();
        console.log(`[events] client went away after ${sent} of ${count} events`);
      });
    },
    cancel() {
      clearInterval(timer);
      timer = undefined;
    },
  });

  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}
