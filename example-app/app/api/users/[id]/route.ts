import { NextResponse, type NextRequest } from 'next/server';
import { deleteUser, getUser, updateUser } from '../../../../lib/store.js';
import { validateUser } from '../_lib/validate';

type Context = { params: Promise<{ id: string }> };

function notFound(id: string) {
  return NextResponse.json({ error: `User ${id} not found` }, { status: 404 });
}

// GET /api/users/:id
export async function GET(_request: NextRequest, { params }: Context) {
  const { id } = await params;
  const user = getUser(id);
  return user ? NextResponse.json(user) : notFound(id);
}

// PATCH /api/users/:id — express.json() ran before this handler and consumed the stream;
// request.json() still works because the library rebuilds the body from req.body.
export async function PATCH(request: NextRequest, { params }: Context) {
  const { id } = await params;
  if (!getUser(id)) return notFound(id);

  let changes: unknown;
  try {
    changes = await request.json();
  } catch {
    return NextResponse.json({ error: 'Body must be JSON' }, { status: 400 });
  }
  const result = validateUser(changes, true);
  if (!result.ok) {
    return NextResponse.json({ error: 'Invalid changes', details: result.errors }, { status: 400 });
  }
  return NextResponse.json(updateUser(id, result.value));
}

// DELETE /api/users/:id
export async function DELETE(_request: NextRequest, { params }: Context) {
  const { id } = await params;
  return deleteUser(id) ? new Response(null, { status: 204 }) : notFound(id);
}
