/**
 * The errors a request can end in. Each has an HTTP status and a catalogue key for its page;
 * the handler renders a safe page (or problem+json on APIs) and never shows a stack.
 */
export type ErrorCode =
  | 'not-found'
  | 'forbidden'
  | 'form-expired'
  | 'too-many-requests'
  | 'bad-request'
  /** A form post that no page of ours could have sent (a skipped page, an unknown field). */
  | 'refused'
  | 'internal';

const statuses: Record<ErrorCode, number> = {
  'not-found': 404,
  forbidden: 403,
  'form-expired': 403,
  'too-many-requests': 429,
  'bad-request': 400,
  refused: 400,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe to show to the person or API client. */
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ?? code);
    this.code = code;
    this.status = statuses[code];
    this.detail = detail;
  }
}

export const notFound = (detail?: string) => new AppError('not-found', detail);
export const forbidden = (detail?: string) => new AppError('forbidden', detail);
export const formExpired = () => new AppError('form-expired');

export function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'not-found';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'too-many-requests';
  if (status >= 400 && status < 500) return 'bad-request';
  return 'internal';
}
