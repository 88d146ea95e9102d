import type { Queryable } from '../../db/database.ts';
import type { Signer } from '../../platform/security/signer.ts';
import { satisfactionLevels } from '../site/service.ts';
import { satisfactionForCase, saveCaseSatisfaction } from './store.ts';

export { satisfactionLevels };
export const maxSatisfactionComment = 1200;
const purpose = 'satisfaction';

/** The token in a confirmation page's form or email link that lets its holder rate that case. */
export function satisfactionToken(signer: Signer, tenantId: string, reference: string): string {
  return signer.sign(purpose, `${tenantId}:${reference}`);
}

export function satisfactionTokenValid(
  signer: Signer,
  tenantId: string,
  reference: string,
  token: unknown,
): boolean {
  return signer.verify(purpose, `${tenantId}:${reference}`, token);
}

export type SatisfactionInput = { rating?: unknown; comment?: unknown };

export function validateSatisfaction(input: SatisfactionInput): {
  value?: { rating: string; comment: string };
  errors: { field: string; message: string }[];
} {
  const errors: { field: string; message: string }[] = [];
  const rating = satisfactionLevels.find((l) => l === input.rating);
  if (!rating) errors.push({ field: 'rating', message: 'satisfaction.error.rating-missing' });
  const comment = typeof input.comment === 'string' ? input.comment.replace(/\r\n/g, '\n').trim() : '';
  if (comment.length > maxSatisfactionComment)
    errors.push({ field: 'comment', message: 'satisfaction.error.comment-too-long' });
  return rating && !errors.length ? { value: { rating, comment }, errors } : { errors };
}

export async function recordCaseSatisfaction(
  q: Queryable,
  tenantId: string,
  c: { caseId: string; serviceSlug: string | null },
  answer: { rating: string; comment: string },
): Promise<void> {
  await saveCaseSatisfaction(q, tenantId, { ...c, ...answer });
}

export { satisfactionForCase };
