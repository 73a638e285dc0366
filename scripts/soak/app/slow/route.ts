// GET /slow: never answers by itself; its 1 s maxDuration aborts request.signal and the client
// gets a 504. The handler then gives up (rejects with the abort reason), as a well-behaved one does.
export const maxDuration = 1;

export async function GET(request: Request) {
  await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
  throw request.signal.reason;
}
