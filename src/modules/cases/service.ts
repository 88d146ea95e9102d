import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { generateReference, parseReference } from '../../platform/references/reference.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import type { Contact } from '../crm/contact.ts';
import { linkContact } from '../crm/service.ts';
import { referenceCandidates } from './references.ts';
import {
  type CaseRow,
  existingReferences,
  findCaseByReference,
  findCaseBySubmissionKey,
  findSubmission,
  insertCase,
  insertCaseUpdate,
  insertInteraction,
  insertSubmission,
  listCaseUpdates,
} from './store.ts';
import { slaDueAt } from './work.ts';

export interface NewSubmission {
  tenant: Tenant;
  serviceSlug: string | null;
  formSlug: string;
  formVersion: number;
  queue: string;
  dueAt: Date | null;
  /** Makes a double click or a resubmission find the case it already made. */
  submissionKey: string;
  answers: unknown;
  assessments: unknown[];
  email: string | null;
  uprn: string | null;
  channel: 'web' | 'phone' | 'face-to-face' | 'email' | 'letter' | 'api';
  submittedByStaff: string | null;
  summary: string;
  /** The resident's account, when they were signed in. */
  accountId?: string | null;
  /** Who sent it, as the answers say: links the case to a person (crm). */
  contact?: Contact;
  /** The person, when staff already know who it is (assisted digital). */
  personId?: string | null;
}

/**
 * Records a submission inside the caller's transaction: the case with its reference and
 * first status, the answers, and the interaction on the person's timeline. Returns the
 * existing case, and `created: false`, when this submission was made before.
 */
export async function recordSubmission(
  tx: Queryable,
  s: NewSubmission,
): Promise<{ case: CaseRow; created: boolean }> {
  const existing = await findCaseBySubmissionKey(tx, s.tenant.id, s.submissionKey);
  if (existing) return { case: existing, created: false };
  const personId =
    s.personId ??
    (await linkContact(tx, s.tenant.id, {
      ...s.contact,
      email: s.email ?? s.contact?.email,
      accountId: s.accountId ?? null,
    })) ??
    null;
  let row: CaseRow | undefined;
  for (let attempt = 0; !row && attempt < 8; attempt++) {
    row = await insertCase(tx, s.tenant.id, {
      reference: generateReference(s.tenant.prefix),
      serviceSlug: s.serviceSlug,
      formSlug: s.formSlug,
      formVersion: s.formVersion,
      queue: s.queue,
      // Due by the queue's service-level target in working days, unless the caller says.
      dueAt: s.dueAt ?? (await slaDueAt(tx, s.tenant.id, s.queue, new Date())),
      submissionKey: s.submissionKey,
      accountId: s.accountId ?? null,
      personId,
    });
  }
  if (!row) throw new Error('could not draw an unused reference');
  await insertCaseUpdate(tx, s.tenant.id, row.id, 'received', null);
  await insertSubmission(tx, s.tenant.id, row.id, {
    answers: s.answers,
    assessments: s.assessments,
    email: s.email,
    channel: s.channel,
    submittedByStaff: s.submittedByStaff,
  });
  await insertInteraction(tx, s.tenant.id, {
    channel: s.channel,
    kind: 'submission',
    caseId: row.id,
    uprn: s.uprn,
    email: s.email,
    staffId: s.submittedByStaff,
    summary: s.summary,
    personId,
  });
  return { case: row, created: true };
}

export type ReferenceLookup =
  | { kind: 'found'; case: CaseRow }
  | { kind: 'not-found'; reference: string }
  | { kind: 'suggestion'; suggestion: string }
  | { kind: 'invalid' };

/** Reads what a person typed; a near miss that matches exactly one case is offered back. */
export async function lookupReference(
  q: Queryable,
  tenantId: string,
  input: string,
): Promise<ReferenceLookup> {
  const parsed = parseReference(input);
  if (parsed) {
    const found = await findCaseByReference(q, tenantId, parsed.formatted);
    return found ? { kind: 'found', case: found } : { kind: 'not-found', reference: parsed.formatted };
  }
  const matches = await existingReferences(q, tenantId, referenceCandidates(input));
  if (matches.length === 1) return { kind: 'suggestion', suggestion: matches[0]! };
  return { kind: 'invalid' };
}

export async function caseHistory(q: Queryable, tenantId: string, caseId: string) {
  return listCaseUpdates(q, tenantId, caseId);
}

export async function caseSubmission(q: Queryable, tenantId: string, caseId: string) {
  return findSubmission(q, tenantId, caseId);
}

export async function updateCaseStatus(
  q: Queryable,
  tenantId: string,
  caseId: string,
  status: string,
  publicNote: { en: string; cy?: string } | null,
) {
  await insertCaseUpdate(q, tenantId, caseId, status, publicNote);
}

/** A one-time code that proves the person holds the email given with a submission. */
export interface TrackingChallenge {
  caseId: string;
  codeHash: string;
  expiresAt: number;
  triesLeft: number;
}

const codeLifetimeMs = 10 * 60 * 1000;

function hashCode(caseId: string, code: string): string {
  return createHash('sha256').update(`${caseId}:${code}`).digest('hex');
}

export function newTrackingChallenge(
  caseId: string,
  now: Date,
): { code: string; challenge: TrackingChallenge } {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  return {
    code,
    challenge: {
      caseId,
      codeHash: hashCode(caseId, code),
      expiresAt: now.getTime() + codeLifetimeMs,
      triesLeft: 5,
    },
  };
}

export type ChallengeResult = 'ok' | 'wrong' | 'expired' | 'locked';

export function checkTrackingCode(challenge: TrackingChallenge, typed: string, now: Date): ChallengeResult {
  if (challenge.triesLeft <= 0) return 'locked';
  if (now.getTime() > challenge.expiresAt) return 'expired';
  challenge.triesLeft--;
  const given = Buffer.from(hashCode(challenge.caseId, typed.replace(/\s/g, '')));
  const expected = Buffer.from(challenge.codeHash);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'wrong';
}

/** An email shown only in part, so a stranger with the reference learns little. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(2, local.length - 1))}@${domain}`;
}
