import type { Database } from '../../db/database.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { insertFeedback } from './store.ts';

export const satisfactionLevels = [
  'very-satisfied',
  'satisfied',
  'neutral',
  'dissatisfied',
  'very-dissatisfied',
] as const;
export type Satisfaction = (typeof satisfactionLevels)[number];
export const maxCommentLength = 1200;

export interface FeedbackInput {
  satisfaction?: unknown;
  comments?: unknown;
  from?: unknown;
}

export interface FieldError {
  field: string;
  /** Catalogue key of the message. */
  message: string;
}

export interface ValidFeedback {
  satisfaction: Satisfaction;
  comments: string;
  page: string | undefined;
}

export function validateFeedback(input: FeedbackInput): { value?: ValidFeedback; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const satisfaction = satisfactionLevels.find((s) => s === input.satisfaction);
  if (!satisfaction) errors.push({ field: 'satisfaction', message: 'feedback.error.satisfaction-missing' });
  const comments = typeof input.comments === 'string' ? input.comments.replace(/\r\n/g, '\n').trim() : '';
  if (comments.length > maxCommentLength)
    errors.push({ field: 'comments', message: 'feedback.error.comments-too-long' });
  const from =
    typeof input.from === 'string' && /^\/[^/\\]/.test(input.from) ? input.from.slice(0, 200) : undefined;
  if (errors.length || !satisfaction) return { errors };
  return { value: { satisfaction, comments, page: from }, errors };
}

/** Stores the feedback and, in the same transaction, tells the council's web team by email. */
export async function submitFeedback(
  deps: { db: Database; mailer: Mailer },
  tenant: Tenant,
  feedback: ValidFeedback,
) {
  await deps.db.transaction(async (tx) => {
    await insertFeedback(tx, tenant.id, feedback);
    await deps.mailer.send(tx, tenant.id, {
      to: tenant.contact.email,
      subject: `Website feedback: ${feedback.satisfaction.replace('-', ' ')}`,
      text: [
        `Someone rated the ${tenant.name.en} website: ${feedback.satisfaction.replace('-', ' ')}.`,
        feedback.page ? `They came from ${feedback.page}.` : '',
        feedback.comments ? `\nTheir comments:\n${feedback.comments}` : '\nThey left no comments.',
      ]
        .filter(Boolean)
        .join('\n'),
    });
  });
}
