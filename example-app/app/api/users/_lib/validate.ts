// Folders starting with `_` are private in the App Router: nothing here becomes a route.

export interface UserInput {
  name?: string;
  email?: string;
  role?: string;
  bio?: string;
}

const ROLES = ['admin', 'member'];

/**
 * Checks a create (`partial: false`) or update (`partial: true`) payload.
 * Returns the cleaned fields, or a list of problems for a 400 answer.
 */
export function validateUser(input: unknown, partial: boolean): { ok: true; value: UserInput } | { ok: false; errors: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['body must be a JSON object'] };
  }
  const body = input as Record<string, unknown>;
  const errors: string[] = [];
  const value: UserInput = {};

  for (const key of ['name', 'email', 'role', 'bio'] as const) {
    const field = body[key];
    if (field === undefined) continue;
    if (typeof field !== 'string') errors.push(`${key} must be a string`);
    else value[key] = field.trim();
  }
  if (!partial && !value.name) errors.push('name is required');
  if (!partial && !value.email) errors.push('email is required');
  if (value.name !== undefined && value.name.length === 0) errors.push('name must not be empty');
  if (value.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(value.email)) errors.push('email must look like an e-mail address');
  if (value.role !== undefined && !ROLES.includes(value.role)) errors.push(`role must be one of ${ROLES.join(', ')}`);
  if (partial && Object.keys(value).length === 0 && errors.length === 0) errors.push('nothing to update');

  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
