// POST /echo: reads a JSON, text or urlencoded form body and answers what it read — its kind and a
// SHA-1 digest of a canonical form — so the client can check the body arrived intact (also when
// Express's json()/urlencoded() read it first and the library rebuilt it). Every read that starts
// must end, in a body or an error (a client that aborts mid-body): the soak compares the counts.
import { createHash } from 'node:crypto';
import { stats } from '../../stats.mjs';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export async function POST(request: Request) {
  stats.bodyReads.started += 1;
  try {
    const answer = await readBody(request);
    stats.bodyReads.finished += 1;
    return Response.json(answer);
  } catch (error) {
    stats.bodyReads.failed += 1;
    throw error;
  }
}

async function readBody(request: Request) {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    return { kind: 'json', digest: sha1(JSON.stringify(await request.json())) };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = await request.formData();
    return { kind: 'form', digest: sha1(JSON.stringify([...form.entries()])) };
  }
  return { kind: 'text', digest: sha1(await request.text()) };
}
