import { NextResponse, type NextRequest } from 'next/server';
import { createUser, listUsers } from '../../../lib/store.js';
import { validateUser } from './_lib/validate';

// GET /api/users?role=admin — the same in-memory store that Express's GET /legacy/users reads.
export async function GET(request: NextRequest) {
  const role = request.nextUrl.searchParams.get('role');
  const users = listUsers().filter((user) => !role || user.role === role);
  return NextResponse.json({ users, count: users.length });
}

// POST /api/users — JSON or an HTML form. express.json() / express.urlencoded() already parsed the
// body in Express; the library rebuilds it, so request.json() / request.formData() work as in Next.
export async function POST(request: NextRequest) {
  const type = request.headers.get('content-type') ?? '';
  let input: unknown;
  try {
    input = type.startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(await request.formData())
      : await request.json();
  } catch {
    return NextResponse.json({ error: 'Body must be JSON (or a url-encoded form)' }, { status: 400 });
  }

  const result = validateUser(input, false);
  if (!result.ok) {
    return NextResponse.json({ error: 'Invalid user', details: result.errors }, { status: 400 });
  }
  const user = createUser({ name: result.value.name!, email: result.value.email!, role: result.value.role, bio: result.value.bio });
  return NextResponse.json(user, {
    status: 201,
    headers: { Location: new URL(`/api/users/${user.id}`, request.url).pathname },
  });
}
