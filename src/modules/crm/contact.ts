/**
 * Contact details as people type them, made comparable: one phone number written five ways is
 * one number; an email is compared case-blind.
 */

/** Digits of a UK number in national form ("+44 (0)7700 900-123" -> "07700900123"); undefined if not a number. */
export function normalisePhone(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  let digits = input.replace(/[^0-9+]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1).replace(/\+/g, '');
  else if (digits.startsWith('00')) digits = digits.slice(2);
  else digits = digits.replace(/\+/g, '');
  // +44 (0)…: the trunk zero written inside brackets after the country code.
  if (digits.startsWith('440')) digits = `0${digits.slice(3)}`;
  else if (digits.startsWith('44') && digits.length >= 12) digits = `0${digits.slice(2)}`;
  return /^[0-9]{5,15}$/.test(digits) ? digits : undefined;
}

export function normaliseEmail(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const email = input.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : undefined;
}

/** Lower case, accents and punctuation removed, spaces collapsed: what names are compared as. */
export function nameKey(given: string, family: string): string {
  return `${given} ${family}`
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9' -]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface ContactAddress {
  uprn?: string;
  line1?: string;
  line2?: string;
  town?: string;
  postcode?: string;
}

/** What a submission tells us about who sent it: taken from the answers by question type. */
export interface Contact {
  givenName?: string;
  familyName?: string;
  email?: string;
  phone?: string;
  address?: ContactAddress;
}

interface QuestionLike {
  id: string;
  type: string;
  autocomplete?: string;
}

/** Reads a person's contact details from answers, by question type or autocomplete token (as prefill does). */
export function contactOf(
  pages: readonly { questions?: readonly QuestionLike[] }[],
  answers: Record<string, unknown>,
): Contact {
  const out: Contact = {};
  for (const page of pages) {
    for (const q of page.questions ?? []) {
      const value = answers[q.id];
      if (value === undefined || value === null || value === '') continue;
      if (q.type === 'email' && !out.email) out.email = normaliseEmail(value);
      else if (q.type === 'phone' && !out.phone) out.phone = normalisePhone(value);
      else if (q.type === 'address' && !out.address && typeof value === 'object')
        out.address = value as ContactAddress;
      else if (q.type === 'text' && typeof value === 'string') {
        if (q.autocomplete === 'given-name') out.givenName = value.trim();
        else if (q.autocomplete === 'family-name') out.familyName = value.trim();
        else if (q.autocomplete === 'name') {
          const parts = value.trim().split(/\s+/);
          out.familyName = parts.length > 1 ? parts.pop() : '';
          out.givenName = parts.join(' ');
        }
      }
    }
  }
  if (!out.email) delete out.email;
  if (!out.phone) delete out.phone;
  return out;
}
