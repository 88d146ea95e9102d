import type { Queryable } from '../../db/database.ts';

export interface AccountAddress {
  uprn?: string;
  line1: string;
  line2?: string;
  town: string;
  postcode: string;
}

export interface Account {
  id: string;
  givenName: string | null;
  familyName: string | null;
  phone: string | null;
  address: AccountAddress | null;
  preferredLanguage: 'en' | 'cy' | null;
  preferredChannel: 'email' | 'phone' | 'letter' | null;
  createdAt: Date;
  emails: { email: string; verifiedAt: Date }[];
}

const accountColumns = `id, given_name as "givenName", family_name as "familyName", phone, address,
  preferred_language as "preferredLanguage", preferred_channel as "preferredChannel", created_at as "createdAt"`;

export async function findAccount(q: Queryable, tenantId: string, id: string): Promise<Account | undefined> {
  const [row] = await q.query<Omit<Account, 'emails'>>(
    `select ${accountColumns} from accounts where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  if (!row) return undefined;
  const emails = await q.query<{ email: string; verifiedAt: Date }>(
    `select email, verified_at as "verifiedAt" from account_emails
      where tenant_id = $1 and account_id = $2 order by verified_at`,
    [tenantId, id],
  );
  return { ...row, emails };
}

export async function accountIdByEmail(
  q: Queryable,
  tenantId: string,
  email: string,
): Promise<string | undefined> {
  const [row] = await q.query<{ accountId: string }>(
    `select account_id as "accountId" from account_emails where tenant_id = $1 and lower(email) = lower($2)`,
    [tenantId, email],
  );
  return row?.accountId;
}

export async function createAccount(
  q: Queryable,
  tenantId: string,
  email: string | undefined,
  at: Date,
  lang: 'en' | 'cy',
  names: { givenName: string | null; familyName: string | null } = { givenName: null, familyName: null },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into accounts (tenant_id, preferred_language, given_name, family_name, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $5) returning id`,
    [tenantId, lang, names.givenName, names.familyName, at],
  );
  // Without an email when an OpenID provider proved the person but gave no verified address.
  if (email) await addEmail(q, tenantId, row!.id, email, at);
  return row!.id;
}

/** Adds a proved email; false when it already belongs to another account. */
export async function addEmail(
  q: Queryable,
  tenantId: string,
  accountId: string,
  email: string,
  at: Date,
): Promise<boolean> {
  const rows = await q.query(
    `insert into account_emails (tenant_id, account_id, email, verified_at) values ($1, $2, $3, $4)
     on conflict do nothing returning 1`,
    [tenantId, accountId, email, at],
  );
  return rows.length > 0;
}

/** Removes an email, never the last one: an account must keep a way to sign in. */
export async function removeEmail(
  q: Queryable,
  tenantId: string,
  accountId: string,
  email: string,
): Promise<boolean> {
  const rows = await q.query(
    `delete from account_emails e where e.tenant_id = $1 and e.account_id = $2 and lower(e.email) = lower($3)
       and (select count(*) from account_emails o where o.tenant_id = $1 and o.account_id = $2) > 1
     returning 1`,
    [tenantId, accountId, email],
  );
  return rows.length > 0;
}

export interface AccountDetails {
  givenName: string | null;
  familyName: string | null;
  phone: string | null;
  address: AccountAddress | null;
  preferredLanguage: 'en' | 'cy' | null;
  preferredChannel: 'email' | 'phone' | 'letter' | null;
}

export async function updateDetails(
  q: Queryable,
  tenantId: string,
  accountId: string,
  d: AccountDetails,
  at: Date,
): Promise<void> {
  await q.query(
    `update accounts set given_name = $3, family_name = $4, phone = $5, address = $6, preferred_language = $7,
       preferred_channel = $8, updated_at = $9
      where tenant_id = $1 and id = $2`,
    [
      tenantId,
      accountId,
      d.givenName,
      d.familyName,
      d.phone,
      d.address ? JSON.stringify(d.address) : null,
      d.preferredLanguage,
      d.preferredChannel,
      at,
    ],
  );
}

export async function deleteAccount(q: Queryable, tenantId: string, accountId: string): Promise<void> {
  await q.query('delete from accounts where tenant_id = $1 and id = $2', [tenantId, accountId]);
}

export interface AccountCase {
  id: string;
  reference: string;
  serviceSlug: string | null;
  formSlug: string | null;
  formVersion: number | null;
  /** The last status the resident was shown: their service may keep some statuses internal. */
  status: string;
  queue: string;
  createdAt: Date;
  updatedAt: Date;
}

const caseColumns = `c.id, c.reference, c.service_slug as "serviceSlug", c.form_slug as "formSlug",
  c.form_version as "formVersion", c.queue, c.created_at as "createdAt", c.updated_at as "updatedAt",
  coalesce((select u.status from case_updates u where u.tenant_id = c.tenant_id and u.case_id = c.id
             and u.public order by u.created_at desc, u.id desc limit 1), 'received') as status`;

export async function casesOfAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
): Promise<AccountCase[]> {
  return q.query<AccountCase>(
    `select ${caseColumns} from cases c where c.tenant_id = $1 and c.account_id = $2
      order by c.created_at desc limit 200`,
    [tenantId, accountId],
  );
}

/** Guest submissions made with one of these emails and not yet in any account. */
export async function claimableCases(
  q: Queryable,
  tenantId: string,
  emails: string[],
): Promise<AccountCase[]> {
  if (!emails.length) return [];
  return q.query<AccountCase>(
    `select ${caseColumns} from cases c
       join submissions s on s.tenant_id = c.tenant_id and s.case_id = c.id
      where c.tenant_id = $1 and c.account_id is null and s.email is not null
        and lower(s.email) = any($2::text[])
      order by c.created_at desc limit 200`,
    [tenantId, emails.map((e) => e.toLowerCase())],
  );
}

export interface AccountDraft {
  id: string;
  formSlug: string;
  formVersion: number;
  updatedAt: Date;
  expiresAt: Date;
}

const draftColumns = `d.id, d.form_slug as "formSlug", d.form_version as "formVersion",
  d.updated_at as "updatedAt", d.expires_at as "expiresAt"`;

export async function draftsOfAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
  at: Date,
): Promise<AccountDraft[]> {
  return q.query<AccountDraft>(
    `select ${draftColumns} from form_drafts d
      where d.tenant_id = $1 and d.account_id = $2 and d.submitted_case_id is null and d.expires_at > $3
      order by d.updated_at desc limit 50`,
    [tenantId, accountId, at],
  );
}

/** Guest drafts saved with one of these emails ("save and come back later"), not in any account. */
export async function claimableDrafts(
  q: Queryable,
  tenantId: string,
  emails: string[],
  at: Date,
): Promise<AccountDraft[]> {
  if (!emails.length) return [];
  return q.query<AccountDraft>(
    `select ${draftColumns} from form_drafts d
      where d.tenant_id = $1 and d.account_id is null and d.submitted_case_id is null and d.expires_at > $3
        and d.email is not null and lower(d.email) = any($2::text[])
      order by d.updated_at desc limit 50`,
    [tenantId, emails.map((e) => e.toLowerCase()), at],
  );
}

/**
 * Moves the chosen guest cases and drafts into the account; only those that still match one
 * of its emails and belong to nobody, whatever ids were posted.
 */
export async function claim(
  q: Queryable,
  tenantId: string,
  accountId: string,
  emails: string[],
  ids: { cases: string[]; drafts: string[] },
): Promise<{ cases: string[]; drafts: string[] }> {
  const lower = emails.map((e) => e.toLowerCase());
  const cases = ids.cases.length
    ? await q.query<{ id: string }>(
        `update cases c set account_id = $2 from submissions s
          where c.tenant_id = $1 and c.id = any($4::uuid[]) and c.account_id is null
            and s.tenant_id = c.tenant_id and s.case_id = c.id and lower(s.email) = any($3::text[])
          returning c.id`,
        [tenantId, accountId, lower, ids.cases],
      )
    : [];
  const drafts = ids.drafts.length
    ? await q.query<{ id: string }>(
        `update form_drafts set account_id = $2
          where tenant_id = $1 and id = any($4::uuid[]) and account_id is null and submitted_case_id is null
            and lower(email) = any($3::text[])
          returning id`,
        [tenantId, accountId, lower, ids.drafts],
      )
    : [];
  return { cases: cases.map((r) => r.id), drafts: drafts.map((r) => r.id) };
}

export interface SentMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  sentAt: Date;
}

export async function mailTo(
  q: Queryable,
  tenantId: string,
  emails: string[],
  limit = 50,
): Promise<SentMail[]> {
  if (!emails.length) return [];
  return q.query<SentMail>(
    `select id::text, to_address as "to", subject, text_body as "text", sent_at as "sentAt" from sent_mail
      where tenant_id = $1 and lower(to_address) = any($2::text[]) order by sent_at desc, id desc limit $3`,
    [tenantId, emails.map((e) => e.toLowerCase()), limit],
  );
}

export async function deleteOldMail(q: Queryable, before: Date): Promise<number> {
  return (await q.query('delete from sent_mail where sent_at < $1 returning 1', [before])).length;
}
