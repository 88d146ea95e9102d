import { publicOrigin } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Translate } from '../../platform/i18n/catalogue.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import type { Signer } from '../../platform/security/signer.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { recordSubmission } from '../cases/service.ts';
import { contactOf } from '../crm/contact.ts';
import { satisfactionToken } from '../engagement/service.ts';
import { enqueueWebhook } from '../integrations/webhooks.ts';
import {
  type Answers,
  assess,
  type FormDefinition,
  isComplete,
  summarise,
  visibleAnswers,
} from './engine/index.ts';
import { lockDraft, markDraftSubmitted } from './store.ts';

export const draftLifetimeMs = 28 * 24 * 60 * 60 * 1000;

export interface SubmitDeps {
  db: Database;
  mailer: Mailer;
  signer: Signer;
  config: { publicOriginTemplate: string };
}

export type SubmitResult =
  | { kind: 'sent'; reference: string; caseId: string; email: string | null }
  | { kind: 'incomplete' }
  | { kind: 'gone' };

/** The email a person gave on the form, if any: where their confirmation goes. */
export function emailOf(definition: FormDefinition, answers: Answers): string | null {
  for (const page of definition.pages) {
    for (const q of page.questions) {
      if (q.type === 'email' && typeof answers[q.id] === 'string') return answers[q.id] as string;
    }
  }
  return null;
}

function uprnOf(definition: FormDefinition, answers: Answers): string | null {
  for (const page of definition.pages) {
    for (const q of page.questions) {
      const a = answers[q.id] as { uprn?: string } | undefined;
      if (q.type === 'address' && a?.uprn) return a.uprn;
    }
  }
  return null;
}

/**
 * Sends a draft, in one transaction: the case, its answers and assessments, the
 * interaction, the confirmation email and the service team's notification. The draft is
 * locked and marked with its case, so a double click or a resubmission finds the same case.
 */
export async function submitDraft(
  deps: SubmitDeps,
  s: {
    tenant: Tenant;
    /** The signed-in resident's account: the case shows in their account. */
    accountId?: string | null;
    draftId: string;
    definition: FormDefinition;
    serviceSlug: string | null;
    lang: 'en' | 'cy';
    t: Translate;
    /** Assisted digital: a member of staff sending it for a person, on the channel they came by. */
    assisted?: {
      channel: 'phone' | 'face-to-face' | 'email' | 'letter';
      staffId: string;
      personId: string | null;
    };
  },
): Promise<SubmitResult> {
  return deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, s.tenant.id, s.draftId);
    if (!draft) return { kind: 'gone' } as const;
    const answers = visibleAnswers(s.definition, draft.answers as Answers);
    if (draft.submittedCaseId) {
      const [row] = await tx.query<{ reference: string }>(
        'select reference from cases where tenant_id = $1 and id = $2',
        [s.tenant.id, draft.submittedCaseId],
      );
      if (row)
        return {
          kind: 'sent',
          reference: row.reference,
          caseId: draft.submittedCaseId,
          email: emailOf(s.definition, answers),
        };
    }
    if (!isComplete(s.definition, answers)) return { kind: 'incomplete' } as const;
    const assessments = assess(s.definition, answers);
    const email = emailOf(s.definition, answers);
    const title = localise(s.definition.title, 'en').text;
    const { case: row } = await recordSubmission(tx, {
      tenant: s.tenant,
      serviceSlug: s.serviceSlug,
      formSlug: s.definition.slug,
      formVersion: draft.formVersion,
      queue: s.serviceSlug ?? s.definition.slug,
      dueAt: null,
      submissionKey: `draft:${draft.id}`,
      accountId: s.accountId ?? null,
      answers,
      assessments,
      email,
      uprn: uprnOf(s.definition, answers),
      channel: s.assisted?.channel ?? 'web',
      submittedByStaff: s.assisted?.staffId ?? null,
      personId: s.assisted?.personId ?? null,
      contact: contactOf(s.definition.pages, answers),
      summary: title,
    });
    await markDraftSubmitted(tx, s.tenant.id, draft.id, row.id);

    const origin = publicOrigin(deps.config, s.tenant.slug);
    const { t } = s;
    if (email) {
      const token = satisfactionToken(deps.signer, s.tenant.id, row.reference);
      const next = localise(s.definition.confirmation.body, s.lang).text;
      await deps.mailer.send(tx, s.tenant.id, {
        to: email,
        subject: t('forms.email.subject', {
          title: localise(s.definition.title, s.lang).text,
          reference: row.reference,
        }),
        text: t('forms.email.body', {
          title: localise(s.definition.title, s.lang).text,
          reference: row.reference,
          next,
          track: `${origin}/track/${row.reference}`,
          satisfaction: `${origin}/satisfaction?reference=${row.reference}&token=${encodeURIComponent(token)}`,
          council: localise(s.tenant.name, s.lang).text,
        }),
      });
    }
    const lines = summarise(s.definition, answers, 'en').map(
      (r) => `${r.label}: ${r.lines.join(', ') || '-'}`,
    );
    const outcome = assessments.map(
      (a) => `${localise(a.title, 'en').text}: ${localise(a.result.title, 'en').text}`,
    );
    const teamMail = (to: string) => ({
      to,
      subject: `New ${title}: ${row.reference}`,
      text: [
        `A new "${title}" was sent online: ${row.reference}.`,
        '',
        ...lines,
        ...(outcome.length ? ['', ...outcome] : []),
        '',
        `Track it: ${origin}/track/${row.reference}`,
      ].join('\n'),
    });
    await deps.mailer.send(tx, s.tenant.id, teamMail(s.tenant.contact.email));
    for (const output of s.definition.outputs ?? []) {
      if (output.type === 'email') {
        await deps.mailer.send(tx, s.tenant.id, teamMail(output.to));
        continue;
      }
      await enqueueWebhook(tx, s.tenant.id, {
        url: output.url,
        secretName: output.secret,
        event: 'form.submitted',
        payload: {
          event: 'form.submitted',
          council: s.tenant.slug,
          reference: row.reference,
          status: row.status,
          service: s.serviceSlug,
          form: { slug: s.definition.slug, version: draft.formVersion },
          submitted_at: row.createdAt,
          answers,
          assessments: assessments.map((a) => ({ id: a.assessmentId, result: a.result.code })),
          links: { track: `${origin}/track/${row.reference}` },
        },
      });
    }
    return { kind: 'sent', reference: row.reference, caseId: row.id, email } as const;
  });
}
