import type { AddressAnswer, Answers, Question } from './engine/index.ts';

/** What a signed-in person's account already knows, to fill in for them. */
export interface KnownDetails {
  email?: string;
  givenName?: string;
  familyName?: string;
  phone?: string;
  address?: AddressAnswer;
}

/**
 * Answers filled in from the account for the questions on a page that have none yet
 * ("grab my contact details"): the person sees them and can change them before continuing.
 * A question matches by its type (email, phone, address) or, for text, by its autocomplete
 * token (name, given-name, family-name).
 */
export function prefill(questions: readonly Question[], stored: Answers, known: KnownDetails): Answers {
  const out: Answers = {};
  const name = [known.givenName, known.familyName].filter(Boolean).join(' ');
  for (const q of questions) {
    if (stored[q.id] !== undefined) continue;
    let value: unknown;
    if (q.type === 'email') value = known.email;
    else if (q.type === 'phone') value = known.phone;
    else if (q.type === 'address') value = known.address;
    else if (q.type === 'text') {
      if (q.autocomplete === 'name') value = name || undefined;
      else if (q.autocomplete === 'given-name') value = known.givenName;
      else if (q.autocomplete === 'family-name') value = known.familyName;
    }
    if (value !== undefined && value !== null && value !== '') out[q.id] = value as Answers[string];
  }
  return out;
}
