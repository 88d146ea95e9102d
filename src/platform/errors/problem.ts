/** An RFC 9457 problem+json body, as every API error answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { name: string; reason: string }[];
}

export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Partial<Problem> = {},
): Problem {
  return { type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra };
}

/** API-like paths answer problem+json rather than a page. */
export function wantsProblemJson(url: string, accept: string | undefined): boolean {
  return (
    url.startsWith('/api/') ||
    url.startsWith('/open311/') ||
    url.startsWith('/oidc/') ||
    /\.json(\?|$)/.test(url) ||
    (accept?.includes('application/json') === true && !accept.includes('text/html'))
  );
}
