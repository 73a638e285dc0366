// POST /api/echo with a JSON body -> the same JSON back.
export async function POST(request: Request) {
  const body = await request.json();
  return Response.json(body);
}
