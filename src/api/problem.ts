// JSON error bodies of the REST API: { error: { code, message, field? } }, the field named as the request spelled it.

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 502 | 503 | 504;

export function problem(status: ProblemStatus, code: string, message: string, field?: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message, ...(field === undefined ? {} : { field }) } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The request body as a JSON object, or null when it is not one (the caller answers 400). */
export async function jsonObject(req: Request): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = await req.json();
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
