/**
 * The form's privacy notice: for every question, why the council asks and how long it
 * keeps the answer. Retention is a period from an event: `{ period: 'P2Y' }` (from when the
 * form is submitted) or `{ period: 'P1Y', from: 'case-closed' }`.
 */
import { periodText } from './format.ts';
import { addPeriod, parsePeriod } from './normalise.ts';
import type { FormDefinition, LocalText, Question, Retention, RetentionStart } from './types.ts';

export interface RetentionRule {
  period: string;
  from: RetentionStart;
  /** '2 years after the form is submitted' / '2 flynedd ar ôl i’r ffurflen gael ei chyflwyno'. */
  text: LocalText;
}

export interface PrivacyField {
  pageId: string;
  questionId: string;
  label: LocalText;
  purpose: LocalText;
  retention: RetentionRule;
}

export function retentionOf(question: Pick<Question, 'retention'>): RetentionRule {
  return describeRetention(question.retention);
}

export function describeRetention(retention: Retention): RetentionRule {
  const from = retention.from ?? 'submitted';
  const period = parsePeriod(retention.period);
  if (!period || period.sign < 0) throw new RangeError(`"${retention.period}" is not a retention period`);
  const length = periodText(period);
  const text =
    from === 'case-closed'
      ? { en: `${length.en} after the case is closed`, cy: `${length.cy} ar ôl i’r achos gael ei gau` }
      : {
          en: `${length.en} after the form is submitted`,
          cy: `${length.cy} ar ôl i’r ffurflen gael ei chyflwyno`,
        };
  return { period: retention.period, from, text };
}

/** Every question of the form (shown or not, for anyone), with its purpose and retention. */
export function privacyNotice(definition: FormDefinition): PrivacyField[] {
  return definition.pages.flatMap((page) =>
    page.questions.map((question) => ({
      pageId: page.id,
      questionId: question.id,
      label: question.label,
      purpose: question.purpose,
      retention: retentionOf(question),
    })),
  );
}

/**
 * The date ('YYYY-MM-DD') from which an answer may be deleted, given when the events
 * happened; undefined while the event it runs from has not happened (a case still open).
 */
export function retentionEnds(
  retention: Retention,
  events: { submitted: string; caseClosed?: string },
): string | undefined {
  const start = (retention.from ?? 'submitted') === 'case-closed' ? events.caseClosed : events.submitted;
  const period = parsePeriod(retention.period);
  if (!start || !period) return undefined;
  return addPeriod(start.slice(0, 10), period, 1);
}
