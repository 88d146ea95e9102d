import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { I18n } from '../../platform/i18n/catalogue.ts';
import { type Language, type LocalText, localise } from '../../platform/i18n/local-text.ts';
import { mailJobKind } from '../../platform/mail/mailer.ts';
import { isSingleAddress, validateMessage } from '../../platform/mail/message.ts';
import { enqueue } from '../../platform/outbox/outbox.ts';
import { linkContact, recordInteraction } from '../crm/service.ts';
import { todayInLondon } from '../forms/engine/index.ts';
import {
  allQuestions,
  isOwn,
  type LikertQuestion,
  type RankingQuestion,
  type RatingQuestion,
  type SurveyAnswers,
  type SurveyQuestion,
} from './definition.ts';
import type { Survey } from './store.ts';
import * as store from './store.ts';

export type { Survey };

// ---------------------------------------------------------------------------------------
// Settings the wiring gives once: links in invitation emails point at the council's site.

let originTemplate = 'http://{slug}.localhost:3000';
let resumeSecret = 'doorstep-surveys';

/** Called by the app's wiring: the public origin template and the secret resume keys are keyed with. */
export function configureSurveys(o: { publicOriginTemplate: string; secret: string }): void {
  originTemplate = o.publicOriginTemplate;
  resumeSecret = o.secret;
}

export function originOf(slug: string): string {
  return originTemplate.replace('{slug}', slug);
}

let catalogue: I18n | undefined;
const i18n = () => {
  catalogue ??= new I18n();
  return catalogue;
};

// ---------------------------------------------------------------------------------------
// Tokens and resume keys

/** An invitation's credential: 32 random bytes, base64url; only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
/** What a response is found by: keyed, so the stored value alone leads nowhere. */
export function resumeHash(kind: 'invitation' | 'session', key: string): string {
  return createHmac('sha256', resumeSecret).update(`survey-resume:${kind}:${key}`).digest('hex');
}

// ---------------------------------------------------------------------------------------
// Open or closed

export type SurveyState = 'scheduled' | 'open' | 'closed';

export function stateOf(survey: Survey, now: Date): SurveyState {
  if (survey.opensAt && now < survey.opensAt) return 'scheduled';
  if (survey.closesAt && now >= survey.closesAt) return 'closed';
  return 'open';
}

const londonDateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});
const londonDateTimeCy = new Intl.DateTimeFormat('cy-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});

/** "4 January 2027 at 5:00pm", in the UK's time. */
export function whenText(at: Date, lang: Language): string {
  const parts = (lang === 'cy' ? londonDateTimeCy : londonDateTime).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const time = `${get('hour')}:${get('minute')}${get('dayPeriod').toLowerCase().replace(/\s|\./g, '')}`;
  return `${get('day')} ${get('month')} ${get('year')}, ${time}`;
}

/** A 'YYYY-MM-DDTHH:MM' typed by staff, read as the time in London (GMT or BST). */
export function parseLondonDateTime(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== d) return undefined;
  // London is UTC or UTC+1: find the offset at that moment and take it off.
  for (const offset of [0, 60]) {
    const at = new Date(asUtc - offset * 60_000);
    if (londonInput(at) === text.trim().replace(' ', 'T')) return at;
  }
  return new Date(asUtc);
}

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** The value of a datetime-local field for a moment, in London. */
export function londonInput(at: Date): string {
  const p = Object.fromEntries(londonParts.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// ---------------------------------------------------------------------------------------
// Invitations

export interface Invitee {
  name: string;
  email: string;
  personId?: string | null;
}

function invitationMail(
  tenant: { name: LocalText; slug: string },
  survey: Pick<Survey, 'title' | 'closesAt' | 'slug'>,
  invitee: { name: string; email: string },
  token: string,
  reminder: boolean,
) {
  const link = `${originOf(tenant.slug)}/surveys/${survey.slug}?invite=${token}`;
  const text = (lang: Language) => {
    const t = i18n().t(lang);
    const params = {
      name: invitee.name || invitee.email,
      council: localise(tenant.name, lang).text,
      title: localise(survey.title, lang).text,
      link,
    };
    return [
      t(reminder ? 'surveys.email.reminder-body' : 'surveys.email.invite-body', params),
      survey.closesAt ? t('surveys.email.closes', { when: whenText(survey.closesAt, lang) }) : '',
      t('surveys.email.no-account'),
    ]
      .filter(Boolean)
      .join('\n\n');
  };
  const en = i18n().t('en');
  const cy = i18n().t('cy');
  const title = { en: localise(survey.title, 'en').text, cy: localise(survey.title, 'cy').text };
  return validateMessage({
    to: invitee.email,
    subject: `${en(reminder ? 'surveys.email.reminder-subject' : 'surveys.email.invite-subject', { title: title.en })} / ${cy(reminder ? 'surveys.email.reminder-subject' : 'surveys.email.invite-subject', { title: title.cy })}`,
    text: `${text('en')}\n\n---\n\n${text('cy')}`,
  });
}

async function tenantOf(db: Queryable, tenantId: string): Promise<{ name: LocalText; slug: string }> {
  const [row] = await db.query<{ name: LocalText; slug: string }>(
    'select name, slug from tenants where id = $1',
    [tenantId],
  );
  if (!row) throw new Error(`no council ${tenantId}`);
  return row;
}

const normaliseEmail = (e: string) => e.trim().toLowerCase();

/**
 * Invites people to a survey: one invitation (a unique link, the link being the credential)
 * and one email each, written with their outbox jobs in one transaction. Someone already
 * invited to this survey, or without a usable address, is skipped.
 */
export async function inviteToSurvey(
  db: Queryable,
  input: {
    tenantId: string;
    surveyId: string;
    listName: string;
    invitees: { name: string; email: string; personId?: string | null }[];
    now: Date;
  },
): Promise<{ invited: number; skipped: number }> {
  const run = async (tx: Queryable) => {
    const survey = await store.surveyById(tx, input.tenantId, input.surveyId);
    if (!survey) throw new Error(`no survey ${input.surveyId}`);
    const tenant = await tenantOf(tx, input.tenantId);
    const listName = input.listName.trim().slice(0, 80) || 'Invited';
    let invited = 0;
    let skipped = 0;
    for (const invitee of input.invitees) {
      const email = normaliseEmail(invitee.email);
      const name = invitee.name.trim().slice(0, 200);
      if (!isSingleAddress(email)) {
        skipped += 1;
        continue;
      }
      const token = newToken();
      const id = await store.insertInvitation(tx, input.tenantId, {
        surveyId: survey.id,
        listName,
        name,
        email,
        personId: invitee.personId ?? null,
        tokenHash: hashToken(token),
      });
      if (!id) {
        skipped += 1;
        continue;
      }
      await enqueue(tx, {
        tenantId: input.tenantId,
        kind: mailJobKind,
        payload: invitationMail(tenant, survey, { name, email }, token, false),
        runAt: input.now,
      });
      invited += 1;
    }
    return { invited, skipped };
  };
  return 'transaction' in db
    ? (db as { transaction: <T>(f: (tx: Queryable) => Promise<T>) => Promise<T> }).transaction(run)
    : run(db);
}

/** Reminds those invited who have not answered (nor been revoked): a new link each, by email. */
export async function remindNonResponders(
  db: Queryable,
  input: { tenantId: string; surveyId: string; listName?: string; now: Date },
): Promise<number> {
  const survey = await store.surveyById(db, input.tenantId, input.surveyId);
  if (!survey) return 0;
  const tenant = await tenantOf(db, input.tenantId);
  let sent = 0;
  for (const i of await store.invitationsOf(db, input.tenantId, input.surveyId)) {
    if (i.answered || i.revokedAt) continue;
    if (input.listName && i.listName !== input.listName) continue;
    const token = newToken();
    await store.rotateToken(db, input.tenantId, i.id, hashToken(token), input.now);
    await enqueue(db, {
      tenantId: input.tenantId,
      kind: mailJobKind,
      payload: invitationMail(tenant, survey, i, token, true),
      runAt: input.now,
    });
    sent += 1;
  }
  return sent;
}

/** Reads `name,email` lines (a header line is allowed, quotes too); returns the people and the lines it could not read. */
export function parseInviteCsv(text: string): { invitees: Invitee[]; bad: number[] } {
  const invitees: Invitee[] = [];
  const bad: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const cells = splitCsvLine(line).map((c) => c.trim());
    if (index === 0 && cells.some((c) => c.toLowerCase() === 'email')) continue;
    const email = cells.find((c) => c.includes('@')) ?? '';
    const name = cells.find((c) => c !== email) ?? '';
    if (!isSingleAddress(normaliseEmail(email))) bad.push(index + 1);
    else invitees.push({ name, email });
  }
  return { invitees, bad };
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}

// ---------------------------------------------------------------------------------------
// Submitting

/**
 * Marks a response sent. An identified response also goes on the person's timeline: the
 * person found by the invitation's (emailed, so verified) address or by the account.
 */
export async function submit(
  tx: Queryable,
  input: {
    tenantId: string;
    survey: Survey;
    responseId: string;
    invitation?: store.Invitation;
    account?: { id: string; emails: { email: string }[] };
    now: Date;
  },
): Promise<void> {
  const { tenantId, survey } = input;
  let personId: string | null = null;
  if (!survey.anonymous) {
    if (input.invitation) {
      personId =
        input.invitation.personId ??
        (await linkContact(tx, tenantId, {
          email: input.invitation.email,
          verifiedEmail: true,
          givenName: input.invitation.name.split(' ')[0] ?? '',
          familyName: input.invitation.name.split(' ').slice(1).join(' '),
        })) ??
        null;
    } else if (input.account) {
      personId = (await linkContact(tx, tenantId, { accountId: input.account.id })) ?? null;
    }
    if (personId) {
      await recordInteraction(tx, tenantId, {
        channel: 'web',
        kind: 'survey-response',
        personId,
        email: input.invitation?.email ?? null,
        summary: `Responded to "${localise(survey.title, 'en').text}" (/surveys/${survey.slug})`,
      });
    }
  }
  // Anonymous: the time is kept to the day only, so it cannot be matched to anything else.
  const at = survey.anonymous ? new Date(`${todayInLondon(input.now)}T12:00:00Z`) : input.now;
  await store.submitResponse(tx, tenantId, input.responseId, at, personId);
  if (input.invitation) await store.markAnswered(tx, tenantId, input.invitation.id);
}

// ---------------------------------------------------------------------------------------
// Results: the same figures feed the charts, their tables, and the CSV and JSON exports.

export interface Bar {
  key: string;
  label: string;
  value: number;
}
export interface Chart {
  questionId: string;
  question: string;
  /** A Likert grid gives one chart per statement. */
  row?: { key: string; label: string };
  /** What the numbers count: 'responses', or 'points' for a ranking (first of n scores n). */
  measure: 'responses' | 'points';
  bars: Bar[];
}
export interface FreeText {
  questionId: string;
  question: string;
  answers: { responseId: string; text: string; tags: string[] }[];
}
export interface Results {
  responses: number;
  charts: Chart[];
  freeText: FreeText[];
  /** Too few answers to show without pointing at the few people who gave them. */
  withheld?: boolean;
}

/**
 * Fewer anonymous answers than this are not shown where who answered is known (an invite
 * list, or an invitation-only survey, whose invitations say who has answered): one answer
 * from a list of one would otherwise name its author.
 */
export const smallestAnonymousGroup = 3;

const freeTextTypes = ['text', 'textarea', 'email', 'number', 'date'];

export function tally(
  questions: SurveyQuestion[],
  responses: { id: string; answers: SurveyAnswers }[],
  tags: { responseId: string; questionId: string; tag: string }[],
  lang: Language,
  yesNo: { yes: string; no: string },
): Results {
  const charts: Chart[] = [];
  const freeText: FreeText[] = [];
  const label = (v: LocalText) => localise(v, lang).text;
  const count = (values: unknown[], bars: Bar[]) => {
    for (const v of values) {
      const bar = bars.find((b) => b.key === String(v));
      if (bar) bar.value += 1;
    }
    return bars;
  };
  for (const q of questions) {
    const question = label(q.label);
    const answersOf = responses.map((r) => r.answers[q.id]).filter((a) => a !== undefined);
    if (isOwn(q)) {
      if (q.type === 'rating') {
        const r = q as RatingQuestion;
        const bars: Bar[] = [];
        for (let n = r.min; n <= r.max; n++) bars.push({ key: String(n), label: String(n), value: 0 });
        charts.push({ questionId: q.id, question, measure: 'responses', bars: count(answersOf, bars) });
      } else if (q.type === 'likert') {
        const l = q as LikertQuestion;
        for (const row of l.rows) {
          const bars = l.columns.map((c) => ({ key: c.value, label: label(c.label), value: 0 }));
          const picked = answersOf.map((a) => (a as Record<string, string>)[row.value]);
          charts.push({
            questionId: q.id,
            question,
            row: { key: row.value, label: label(row.label) },
            measure: 'responses',
            bars: count(picked, bars),
          });
        }
      } else {
        const k = q as RankingQuestion;
        const n = k.items.length;
        const bars = k.items.map((i) => ({ key: i.value, label: label(i.label), value: 0 }));
        for (const order of answersOf as string[][]) {
          order.forEach((v, position) => {
            const bar = bars.find((b) => b.key === v);
            if (bar) bar.value += n - position;
          });
        }
        charts.push({
          questionId: q.id,
          question,
          measure: 'points',
          bars: bars.sort((a, b) => b.value - a.value),
        });
      }
      continue;
    }
    if (q.type === 'radios' || q.type === 'select' || q.type === 'checkboxes') {
      const bars = (q as { options: { value: string; label: LocalText }[] }).options.map((o) => ({
        key: o.value,
        label: label(o.label),
        value: 0,
      }));
      charts.push({ questionId: q.id, question, measure: 'responses', bars: count(answersOf.flat(), bars) });
    } else if (q.type === 'yesno') {
      const bars = [
        { key: 'true', label: yesNo.yes, value: 0 },
        { key: 'false', label: yesNo.no, value: 0 },
      ];
      charts.push({ questionId: q.id, question, measure: 'responses', bars: count(answersOf, bars) });
    } else if (freeTextTypes.includes(q.type)) {
      freeText.push({
        questionId: q.id,
        question,
        answers: responses
          .filter((r) => r.answers[q.id] !== undefined && String(r.answers[q.id]).trim() !== '')
          .map((r) => ({
            responseId: r.id,
            text: String(r.answers[q.id]),
            tags: tags.filter((t) => t.responseId === r.id && t.questionId === q.id).map((t) => t.tag),
          })),
      });
    }
  }
  return { responses: responses.length, charts, freeText };
}

export async function results(
  db: Queryable,
  survey: Survey,
  filter: { questionId?: string; listName?: string },
  lang: Language,
): Promise<Results> {
  const t = i18n().t(lang);
  const responses = await store.submittedAnswers(db, survey.tenantId, survey.id, filter.listName);
  const known = survey.access === 'invitation' || Boolean(filter.listName);
  if (survey.anonymous && known && responses.length < smallestAnonymousGroup)
    return { responses: responses.length, charts: [], freeText: [], withheld: true };
  const tags = await store.tagsOf(db, survey.tenantId, survey.id);
  const questions = allQuestions(survey.definition).filter(
    (q) => !filter.questionId || q.id === filter.questionId,
  );
  return tally(questions, responses, tags, lang, { yes: t('forms.yes'), no: t('forms.no') });
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // A leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The charts' figures, one bar a line: exactly what the results page draws. */
export function resultsCsv(r: Results): string {
  const lines = [['question_id', 'question', 'row', 'option', 'measure', 'value'].join(',')];
  for (const c of r.charts)
    for (const b of c.bars)
      lines.push(
        [c.questionId, c.question, c.row?.label ?? '', b.label, c.measure, b.value].map(csvCell).join(','),
      );
  return `${lines.join('\r\n')}\r\n`;
}

export function resultsJson(survey: Survey, r: Results, filter: { questionId?: string; listName?: string }) {
  return {
    survey: { slug: survey.slug, title: survey.title },
    filter,
    responses: r.responses,
    ...(r.withheld ? { withheld: true } : {}),
    charts: r.charts,
    freeText: r.freeText.map((f) => ({
      questionId: f.questionId,
      question: f.question,
      answers: f.answers.map((a) => ({ text: a.text, tags: a.tags })),
    })),
  };
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A horizontal bar chart, drawn here so it needs no script; its numbers are also in the table beside it. */
export function barChartSvg(chart: Chart, id: string, title: string): string {
  const rowHeight = 28;
  const labelWidth = 200;
  const width = 600;
  const barSpace = width - labelWidth - 60;
  const max = Math.max(1, ...chart.bars.map((b) => b.value));
  const height = chart.bars.length * rowHeight + 8;
  const clip = (s: string) => (s.length > 30 ? `${s.slice(0, 29)}…` : s);
  const rows = chart.bars
    .map((b, i) => {
      const y = 4 + i * rowHeight;
      const w = Math.round((b.value / max) * barSpace);
      return [
        `<text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end" font-size="14" fill="#0b0c0c">${escapeXml(clip(b.label))}</text>`,
        `<rect x="${labelWidth}" y="${y + 4}" width="${w}" height="${rowHeight - 8}" fill="#1d70b8"></rect>`,
        `<text x="${labelWidth + w + 6}" y="${y + 18}" font-size="14" fill="#0b0c0c">${b.value}</text>`,
      ].join('');
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="app-survey-chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="${id}-title">${escapeXml(title)}</title>${rows}</svg>`;
}

// ---------------------------------------------------------------------------------------
// My Account

export async function forAccount(
  db: Queryable,
  tenantId: string,
  account: { id: string; emails: { email: string }[] },
) {
  const invitations = await store.invitationsForEmails(
    db,
    tenantId,
    account.emails.map((e) => normaliseEmail(e.email)),
  );
  const responses = await store.responsesOfAccount(db, tenantId, account.id);
  return { invitations, responses };
}
