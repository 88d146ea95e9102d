import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import type { SurveyAnswers, SurveyDefinition } from './definition.ts';

export interface SurveyDocument {
  title: LocalText;
  url: string;
}
export interface Outcome {
  asked: LocalText;
  said: LocalText;
  did: LocalText;
}

export interface Survey {
  id: string;
  tenantId: string;
  slug: string;
  kind: 'survey' | 'consultation';
  title: LocalText;
  description: LocalText;
  definition: SurveyDefinition;
  access: 'link' | 'invitation';
  anonymous: boolean;
  allowEdit: boolean;
  opensAt: Date | null;
  closesAt: Date | null;
  responseLimit: number | null;
  documents: SurveyDocument[];
  alternativeFormats: LocalText;
  outcome: Outcome | null;
  outcomePublishedAt: Date | null;
}

const surveyColumns = `id, tenant_id as "tenantId", slug, kind, title, description, definition, access, anonymous,
  allow_edit as "allowEdit", opens_at as "opensAt", closes_at as "closesAt", response_limit as "responseLimit",
  documents, alternative_formats as "alternativeFormats", outcome, outcome_published_at as "outcomePublishedAt"`;

export async function surveyBySlug(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<Survey | undefined> {
  const [row] = await q.query<Survey>(
    `select ${surveyColumns} from surveys where tenant_id = $1 and slug = $2`,
    [tenantId, slug],
  );
  return row;
}

export async function surveyById(q: Queryable, tenantId: string, id: string): Promise<Survey | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await q.query<Survey>(
    `select ${surveyColumns} from surveys where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function listSurveys(
  q: Queryable,
  tenantId: string,
): Promise<(Survey & { responses: number })[]> {
  return q.query(
    `select ${surveyColumns}, (select count(*)::int from survey_responses r
       where r.tenant_id = s.tenant_id and r.survey_id = s.id and r.status = 'submitted') as responses
     from surveys s where tenant_id = $1 order by coalesce(closes_at, 'infinity') desc, slug`,
    [tenantId],
  );
}

export type SurveyFields = Omit<Survey, 'id' | 'tenantId' | 'outcome' | 'outcomePublishedAt'>;

const fieldValues = (f: SurveyFields) => [
  f.slug,
  f.kind,
  JSON.stringify(f.title),
  JSON.stringify(f.description),
  JSON.stringify(f.definition),
  f.access,
  f.anonymous,
  f.allowEdit,
  f.opensAt,
  f.closesAt,
  f.responseLimit,
  JSON.stringify(f.documents),
  JSON.stringify(f.alternativeFormats),
];

export async function insertSurvey(q: Queryable, tenantId: string, f: SurveyFields): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into surveys (tenant_id, slug, kind, title, description, definition, access, anonymous, allow_edit,
       opens_at, closes_at, response_limit, documents, alternative_formats)
     values ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb)
     on conflict (tenant_id, slug) do nothing returning id::text`,
    [tenantId, ...fieldValues(f)],
  );
  return row?.id ?? '';
}

export async function updateSurvey(
  q: Queryable,
  tenantId: string,
  id: string,
  f: SurveyFields,
): Promise<boolean> {
  const rows = await q.query(
    `update surveys set slug = $3, kind = $4, title = $5::jsonb, description = $6::jsonb, definition = $7::jsonb,
       access = $8,
       -- Anonymity is promised to whoever started answering: fixed once a response exists.
       anonymous = case when exists (select 1 from survey_responses r where r.tenant_id = $1 and r.survey_id = $2)
                        then anonymous else $9 end,
       allow_edit = $10, opens_at = $11, closes_at = $12, response_limit = $13,
       documents = $14::jsonb, alternative_formats = $15::jsonb, updated_at = now()
     where tenant_id = $1 and id = $2 returning id`,
    [tenantId, id, ...fieldValues(f)],
  );
  return rows.length > 0;
}

export async function setDefinition(
  q: Queryable,
  tenantId: string,
  id: string,
  definition: SurveyDefinition,
): Promise<void> {
  await q.query(
    'update surveys set definition = $3::jsonb, updated_at = now() where tenant_id = $1 and id = $2',
    [tenantId, id, JSON.stringify(definition)],
  );
}

export async function addDocument(
  q: Queryable,
  tenantId: string,
  id: string,
  d: SurveyDocument,
): Promise<void> {
  await q.query(
    `update surveys set documents = documents || $3::jsonb, updated_at = now() where tenant_id = $1 and id = $2`,
    [tenantId, id, JSON.stringify([d])],
  );
}

export async function setOutcome(
  q: Queryable,
  tenantId: string,
  id: string,
  outcome: Outcome,
  publishedAt: Date | null,
): Promise<void> {
  await q.query(
    `update surveys set outcome = $3::jsonb, outcome_published_at = $4, updated_at = now()
     where tenant_id = $1 and id = $2`,
    [tenantId, id, JSON.stringify(outcome), publishedAt],
  );
}

export async function slugTaken(
  q: Queryable,
  tenantId: string,
  slug: string,
  except?: string,
): Promise<boolean> {
  const rows = await q.query(
    'select 1 from surveys where tenant_id = $1 and slug = $2 and ($3::uuid is null or id <> $3::uuid)',
    [tenantId, slug, except ?? null],
  );
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------
// Invitations

export interface Invitation {
  id: string;
  surveyId: string;
  listName: string;
  name: string;
  email: string;
  personId: string | null;
  answered: boolean;
  invitedAt: Date;
  remindedAt: Date | null;
  revokedAt: Date | null;
}
const invitationColumns = `id::text, survey_id::text as "surveyId", list_name as "listName", name, email,
  person_id::text as "personId", answered, invited_at as "invitedAt", reminded_at as "remindedAt", revoked_at as "revokedAt"`;

export async function insertInvitation(
  q: Queryable,
  tenantId: string,
  i: {
    surveyId: string;
    listName: string;
    name: string;
    email: string;
    personId: string | null;
    tokenHash: string;
  },
): Promise<string | undefined> {
  const [row] = await q.query<{ id: string }>(
    `insert into survey_invitations (tenant_id, survey_id, list_name, name, email, person_id, token_hash)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (tenant_id, survey_id, email) do nothing returning id::text`,
    [tenantId, i.surveyId, i.listName, i.name, i.email, i.personId, i.tokenHash],
  );
  return row?.id;
}

export async function invitationByToken(
  q: Queryable,
  tenantId: string,
  surveyId: string,
  tokenHash: string,
): Promise<Invitation | undefined> {
  const [row] = await q.query<Invitation>(
    `select ${invitationColumns} from survey_invitations where tenant_id = $1 and survey_id = $2 and token_hash = $3`,
    [tenantId, surveyId, tokenHash],
  );
  return row;
}

export async function invitationById(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Invitation | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await q.query<Invitation>(
    `select ${invitationColumns} from survey_invitations where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function invitationsOf(q: Queryable, tenantId: string, surveyId: string): Promise<Invitation[]> {
  return q.query(
    `select ${invitationColumns} from survey_invitations where tenant_id = $1 and survey_id = $2
     order by list_name, name, email`,
    [tenantId, surveyId],
  );
}

export async function invitationsForEmails(
  q: Queryable,
  tenantId: string,
  emails: string[],
): Promise<(Invitation & { slug: string; title: LocalText; closesAt: Date | null })[]> {
  if (!emails.length) return [];
  return q.query(
    `select ${invitationColumns.replace(/(^|, )(\w)/g, '$1i.$2')}, s.slug, s.title, s.closes_at as "closesAt"
     from survey_invitations i join surveys s on s.tenant_id = i.tenant_id and s.id = i.survey_id
     where i.tenant_id = $1 and i.email = any($2::text[]) and i.revoked_at is null order by i.invited_at desc`,
    [tenantId, emails],
  );
}

export async function revokeInvitation(
  q: Queryable,
  tenantId: string,
  surveyId: string,
  id: string,
  at: Date,
) {
  const rows = await q.query(
    `update survey_invitations set revoked_at = $4 where tenant_id = $1 and survey_id = $2 and id = $3
       and revoked_at is null returning id`,
    [tenantId, surveyId, id, at],
  );
  return rows.length > 0;
}

/** A reminder sends a new link: the token is only ever kept hashed, so the old one cannot be resent. */
export async function rotateToken(q: Queryable, tenantId: string, id: string, tokenHash: string, at: Date) {
  await q.query(
    'update survey_invitations set token_hash = $3, reminded_at = $4 where tenant_id = $1 and id = $2',
    [tenantId, id, tokenHash, at],
  );
}

export async function markAnswered(q: Queryable, tenantId: string, id: string): Promise<void> {
  await q.query('update survey_invitations set answered = true where tenant_id = $1 and id = $2', [
    tenantId,
    id,
  ]);
}

export async function responseRates(
  q: Queryable,
  tenantId: string,
  surveyId: string,
): Promise<{ listName: string; invited: number; answered: number; revoked: number }[]> {
  return q.query(
    `select list_name as "listName", count(*) filter (where revoked_at is null)::int as invited,
       count(*) filter (where answered and revoked_at is null)::int as answered,
       count(*) filter (where revoked_at is not null)::int as revoked
     from survey_invitations where tenant_id = $1 and survey_id = $2 group by list_name order by list_name`,
    [tenantId, surveyId],
  );
}

// ---------------------------------------------------------------------------------------
// Responses

export interface ResponseRow {
  id: string;
  status: 'draft' | 'submitted';
  answers: SurveyAnswers;
  listName: string | null;
  accountId: string | null;
  submittedAt: Date | null;
}
const responseColumns = `id::text, status, answers, list_name as "listName", account_id::text as "accountId",
  submitted_at as "submittedAt"`;

export async function responseByResume(
  q: Queryable,
  tenantId: string,
  surveyId: string,
  resumeHash: string,
): Promise<ResponseRow | undefined> {
  const [row] = await q.query<ResponseRow>(
    `select ${responseColumns} from survey_responses where tenant_id = $1 and survey_id = $2 and resume_hash = $3`,
    [tenantId, surveyId, resumeHash],
  );
  return row;
}

/** Saves a draft's answers, making the row on the first page answered. */
export async function saveDraft(
  q: Queryable,
  tenantId: string,
  r: {
    surveyId: string;
    resumeHash: string;
    answers: SurveyAnswers;
    listName: string | null;
    invitationId: string | null;
    accountId: string | null;
    startedOn: string;
  },
): Promise<void> {
  await q.query(
    `insert into survey_responses (tenant_id, survey_id, resume_hash, answers, list_name, invitation_id, account_id, started_on)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::date)
     on conflict (tenant_id, survey_id, resume_hash) do update set answers = excluded.answers`,
    [
      tenantId,
      r.surveyId,
      r.resumeHash,
      JSON.stringify(r.answers),
      r.listName,
      r.invitationId,
      r.accountId,
      r.startedOn,
    ],
  );
}

export async function submitResponse(
  q: Queryable,
  tenantId: string,
  id: string,
  submittedAt: Date,
  personId: string | null,
): Promise<void> {
  await q.query(
    `update survey_responses set status = 'submitted', submitted_at = coalesce(submitted_at, $3), person_id = $4
     where tenant_id = $1 and id = $2`,
    [tenantId, id, submittedAt, personId],
  );
}

export async function countSubmitted(q: Queryable, tenantId: string, surveyId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select count(*)::int as n from survey_responses where tenant_id = $1 and survey_id = $2 and status = 'submitted'`,
    [tenantId, surveyId],
  );
  return row?.n ?? 0;
}

/** Submitted answers, in the order of their random ids: never in the order they came. */
export async function submittedAnswers(
  q: Queryable,
  tenantId: string,
  surveyId: string,
  listName?: string,
): Promise<{ id: string; answers: SurveyAnswers }[]> {
  return q.query(
    `select id::text, answers from survey_responses
     where tenant_id = $1 and survey_id = $2 and status = 'submitted' and ($3::text is null or list_name = $3)
     order by id`,
    [tenantId, surveyId, listName ?? null],
  );
}

export async function responsesOfAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
): Promise<{ slug: string; title: LocalText; status: string; submittedAt: Date | null }[]> {
  return q.query(
    `select s.slug, s.title, r.status, r.submitted_at as "submittedAt"
     from survey_responses r join surveys s on s.tenant_id = r.tenant_id and s.id = r.survey_id
     where r.tenant_id = $1 and r.account_id = $2 order by r.started_on desc`,
    [tenantId, accountId],
  );
}

// ---------------------------------------------------------------------------------------
// Tags on free text

export async function tagsOf(
  q: Queryable,
  tenantId: string,
  surveyId: string,
): Promise<{ responseId: string; questionId: string; tag: string }[]> {
  return q.query(
    `select response_id::text as "responseId", question_id as "questionId", tag from survey_answer_tags
     where tenant_id = $1 and survey_id = $2 order by tag`,
    [tenantId, surveyId],
  );
}

export async function addTag(
  q: Queryable,
  tenantId: string,
  t: { surveyId: string; responseId: string; questionId: string; tag: string },
): Promise<boolean> {
  const rows = await q.query(
    `insert into survey_answer_tags (tenant_id, survey_id, response_id, question_id, tag)
     select $1, $2, r.id, $4, $5 from survey_responses r
     where r.tenant_id = $1 and r.survey_id = $2 and r.id = $3 and r.status = 'submitted'
     on conflict do nothing returning tag`,
    [tenantId, t.surveyId, t.responseId, t.questionId, t.tag],
  );
  return rows.length > 0;
}

export async function removeTag(
  q: Queryable,
  tenantId: string,
  t: { surveyId: string; responseId: string; questionId: string; tag: string },
): Promise<void> {
  await q.query(
    `delete from survey_answer_tags where tenant_id = $1 and survey_id = $2 and response_id = $3
       and question_id = $4 and tag = $5`,
    [tenantId, t.surveyId, t.responseId, t.questionId, t.tag],
  );
}
