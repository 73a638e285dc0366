// GET /api/stream -> 1 MiB as 16 chunks of 64 KiB.

// Allocated once so the benchmark measures streaming, not allocation.
const CHUNK = new Uint8Array(64 * 1024).fill(0x78); // 'x'
const CHUNK_COUNT = 16;

export function GET() {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    // pull() is only called when the consumer wants more, so the stream follows backpressure.
    pull(controller) {
      controller.enqueue(CHUNK);
      sent += 1;
      if (sent === CHUNK_COUNT) controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/octet-stream' } });
}
