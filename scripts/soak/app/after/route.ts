// GET /after: answers at once and schedules an after() callback that finishes a few ms later; the
// server compares the number of completed callbacks with the answers the client got.
import { after } from 'next/server';
import { stats } from '../../stats.mjs';

export function GET() {
  after(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 10)));
    stats.afterRuns += 1;
  });
  return Response.json({ scheduled: true });
}
