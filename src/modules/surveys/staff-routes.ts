import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { type LocalText, localise } from '../../platform/i18n/local-text.ts';
import { sniffMimeType } from '../forms/file-type.ts';
import {
  agreeScale,
  allQuestions,
  type Choice,
  checkDefinition,
  isOwn,
  questionIdFor,
  type SurveyDefinition,
  type SurveyQuestion,
  slugOf,
  surveyQuestionTypes,
} from './definition.ts';
import { bodyOf } from './routes.ts';
import {
  barChartSvg,
  inviteToSurvey,
  londonInput,
  parseInviteCsv,
  parseLondonDateTime,
  remindNonResponders,
  results,
  resultsCsv,
  resultsJson,
  smallestAnonymousGroup,
  stateOf,
} from './service.ts';
import * as store from './store.ts';

const view = (name: string) => `modules/surveys/views/staff-${name}.njk`;
const build = { staff: 'services.configure' as const };
const insight = { staff: 'insight.view' as const };
const maxCsvBytes = 1024 * 1024;

type Body = Record<string, string | string[] | undefined>;
const one = (body: Body, name: string, max = 20000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const localText = (en: string, cy: string): LocalText => (cy ? { en, cy } : { en });

export const exampleDefinition = {
  pages: [
    {
      id: 'your-views',
      questions: [
        {
          id: 'overall',
          type: 'rating',
          label: { en: 'How good is the service overall?', cy: 'Pa mor dda yw’r gwasanaeth at ei gilydd?' },
          min: 1,
          max: 5,
          minLabel: { en: 'Very poor', cy: 'Gwael iawn' },
          maxLabel: { en: 'Very good', cy: 'Da iawn' },
        },
        {
          id: 'comments',
          type: 'textarea',
          label: {
            en: 'Anything else you would like to tell us?',
            cy: 'Unrhyw beth arall yr hoffech ei ddweud wrthym?',
          },
          required: false,
        },
      ],
    },
  ],
};

interface FormValues {
  [name: string]: string;
}

function valuesOf(s: store.Survey): FormValues {
  return {
    slug: s.slug,
    kind: s.kind,
    'title-en': s.title.en,
    'title-cy': s.title.cy ?? '',
    'description-en': s.description.en,
    'description-cy': s.description.cy ?? '',
    access: s.access,
    anonymous: s.anonymous ? 'yes' : 'no',
    allowEdit: s.allowEdit ? 'yes' : 'no',
    opensAt: s.opensAt ? londonInput(s.opensAt) : '',
    closesAt: s.closesAt ? londonInput(s.closesAt) : '',
    responseLimit: s.responseLimit ? String(s.responseLimit) : '',
    documents: s.documents
      .map((d) => [d.title.en, d.title.cy ?? '', d.url].filter((x, i) => i !== 1 || x).join(' | '))
      .join('\n'),
    'formats-en': s.alternativeFormats.en,
    'formats-cy': s.alternativeFormats.cy ?? '',
    definition: JSON.stringify(s.definition, null, 2),
  };
}

/** The settings form read and checked: the fields to store, or the errors by field (catalogue keys or text). */
function readSettings(body: Body): {
  fields?: store.SurveyFields;
  errors: Record<string, string>;
  values: FormValues;
} {
  const values: FormValues = {};
  for (const name of [
    'slug',
    'kind',
    'title-en',
    'title-cy',
    'description-en',
    'description-cy',
    'access',
    'anonymous',
    'allowEdit',
    'opensAt',
    'closesAt',
    'responseLimit',
    'documents',
    'formats-en',
    'formats-cy',
    'definition',
  ])
    values[name] = one(body, name, name === 'definition' ? 200_000 : 5000);
  const errors: Record<string, string> = {};
  if (!/^[a-z0-9][a-z0-9-]{1,79}$/.test(values.slug!)) errors.slug = 'surveys.staff.error-slug';
  if (!values['title-en']) errors['title-en'] = 'surveys.staff.error-title';
  if (!['survey', 'consultation'].includes(values.kind!)) errors.kind = 'surveys.staff.error-kind';
  if (!['link', 'invitation'].includes(values.access!)) errors.access = 'surveys.staff.error-access';
  if (!['yes', 'no'].includes(values.anonymous!)) errors.anonymous = 'surveys.staff.error-anonymous';
  const opensAt = values.opensAt ? parseLondonDateTime(values.opensAt) : null;
  const closesAt = values.closesAt ? parseLondonDateTime(values.closesAt) : null;
  if (opensAt === undefined) errors.opensAt = 'surveys.staff.error-date';
  if (closesAt === undefined) errors.closesAt = 'surveys.staff.error-date';
  else if (opensAt && closesAt && closesAt <= opensAt) errors.closesAt = 'surveys.staff.error-closes-before';
  const limit = values.responseLimit ? Number(values.responseLimit) : null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000))
    errors.responseLimit = 'surveys.staff.error-limit';
  const documents: store.SurveyDocument[] = [];
  for (const line of values.documents!.split(/\r?\n/).filter((l) => l.trim())) {
    const parts = line.split('|').map((p) => p.trim());
    const url = parts.at(-1) ?? '';
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      !parts[0] ||
      !/^(\/[^\s]*|https:\/\/[^\s]+|file:[0-9a-f-]{36})$/.test(url)
    ) {
      errors.documents = 'surveys.staff.error-documents';
      break;
    }
    documents.push({ title: localText(parts[0], parts.length === 3 ? parts[1]! : ''), url });
  }
  let definition: unknown;
  try {
    definition = JSON.parse(values.definition || 'null');
  } catch {
    errors.definition = 'surveys.staff.error-json';
  }
  if (!errors.definition) {
    const checked = checkDefinition(definition);
    if (!checked.ok) errors.definition = checked.errors.slice(0, 5).join('; ');
    else definition = checked.definition;
  }
  if (Object.keys(errors).length) return { errors, values };
  return {
    errors,
    values,
    fields: {
      slug: values.slug!,
      kind: values.kind as 'survey' | 'consultation',
      title: localText(values['title-en']!, values['title-cy']!),
      description: localText(values['description-en']!, values['description-cy']!),
      definition: definition as store.Survey['definition'],
      access: values.access as 'link' | 'invitation',
      anonymous: values.anonymous === 'yes',
      allowEdit: values.allowEdit === 'yes',
      opensAt: opensAt ?? null,
      closesAt: closesAt ?? null,
      responseLimit: limit,
      documents,
      alternativeFormats: localText(values['formats-en']!, values['formats-cy']!),
    },
  };
}

/** Staff pages for surveys: build, invite, remind, revoke, results, tags, exports, outcome. */
export function surveysStaffPages(services: Pick<Services, 'db' | 'i18n' | 'now' | 'files'>) {
  const { db, i18n, now, files } = services;
  return (scope: FastifyInstance) => {
    const page = (request: FastifyRequest, reply: FastifyReply, name: string, context = {}, status = 200) =>
      reply
        .code(status)
        .header('cache-control', 'no-store')
        .render(view(name), { user: request.staffUser, ...context });
    const actor = (request: FastifyRequest) => ({ type: 'staff' as const, id: request.staffUser!.id });
    const surveyOf = async (request: FastifyRequest) => {
      const survey = await store.surveyById(db, request.tenant.id, (request.params as { id: string }).id);
      if (!survey) throw notFound();
      return survey;
    };
    const errorsOf = (request: FastifyRequest, errors: Record<string, string>) => {
      const t = i18n.t(request.lang);
      const text = (v: string) => (/^surveys\.[a-z.-]+$/.test(v) ? t(v) : v);
      return {
        messages: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, { text: text(v) }])),
        summary: Object.entries(errors).map(([k, v]) => ({ text: text(v), href: `#${k}` })),
      };
    };

    scope.get('/surveys', { config: insight }, async (request, reply) => {
      const list = await store.listSurveys(db, request.tenant.id);
      const at = now();
      return page(request, reply, 'list', {
        surveys: list.map((s) => ({
          id: s.id,
          slug: s.slug,
          title: localise(s.title, request.lang).text,
          state: stateOf(s, at),
          access: s.access,
          responses: s.responses,
        })),
      });
    });

    const settingsPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      context: {
        survey?: store.Survey;
        values: FormValues;
        errors?: Record<string, string>;
        notice?: string;
      },
    ) => {
      const e = errorsOf(request, context.errors ?? {});
      return page(
        request,
        reply,
        'settings',
        {
          notice: context.notice,
          survey: context.survey,
          values: context.values,
          errors: e.messages,
          errorSummary: e.summary,
          types: surveyQuestionTypes.join(', '),
        },
        context.errors && Object.keys(context.errors).length ? 400 : 200,
      );
    };

    scope.get('/surveys/new', { config: build }, async (request, reply) =>
      settingsPage(request, reply, {
        values: {
          kind: 'consultation',
          access: 'link',
          anonymous: 'yes',
          allowEdit: 'no',
          definition: JSON.stringify(exampleDefinition, null, 2),
        },
      }),
    );

    scope.post('/surveys', { config: build }, async (request, reply) => {
      const { fields, errors, values } = readSettings(bodyOf(request));
      if (fields && (await store.slugTaken(db, request.tenant.id, fields.slug)))
        errors.slug = 'surveys.staff.error-slug-taken';
      if (!fields || Object.keys(errors).length) return settingsPage(request, reply, { values, errors });
      const id = await db.transaction(async (tx) => {
        const made = await store.insertSurvey(tx, request.tenant.id, fields);
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.create',
          subject: { type: 'survey', id: made },
        });
        return made;
      });
      return reply.redirect(`/staff/surveys/${id}`, 303);
    });

    scope.get('/surveys/:id', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const session = await request.session();
      const flash = session.get<string>('surveysFlash');
      if (flash) session.set('surveysFlash', undefined);
      return settingsPage(request, reply, {
        survey,
        values: valuesOf(survey),
        ...(flash ? { notice: i18n.t(request.lang)(flash) } : {}),
      });
    });

    scope.post('/surveys/:id', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const { fields, errors, values } = readSettings(bodyOf(request));
      if (fields && (await store.slugTaken(db, request.tenant.id, fields.slug, survey.id)))
        errors.slug = 'surveys.staff.error-slug-taken';
      if (!fields || Object.keys(errors).length)
        return settingsPage(request, reply, { survey, values, errors });
      await db.transaction(async (tx) => {
        await store.updateSurvey(tx, request.tenant.id, survey.id, fields);
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.update',
          subject: { type: 'survey', id: survey.id },
        });
      });
      (await request.session()).set('surveysFlash', 'surveys.staff.saved');
      return reply.redirect(`/staff/surveys/${survey.id}/invitations`, 303);
    });

    // Questions: add one from a short form, or remove one; the JSON on the settings page does the rest.
    const questionsPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      survey: store.Survey,
      extra: { errors?: Record<string, string>; values?: FormValues } = {},
    ) => {
      const t = i18n.t(request.lang);
      const e = errorsOf(request, extra.errors ?? {});
      return page(
        request,
        reply,
        'questions',
        {
          survey,
          title: localise(survey.title, request.lang).text,
          pages: survey.definition.pages.map((p, i) => ({
            id: p.id,
            number: i + 1,
            questions: p.questions.map((q) => ({
              id: q.id,
              label: localise(q.label, request.lang).text,
              type: t(`surveys.type.${q.type}`),
            })),
          })),
          types: surveyQuestionTypes.map((type) => ({ value: type, text: t(`surveys.type.${type}`) })),
          values: {
            page: survey.definition.pages.at(-1)?.id ?? 'new',
            required: 'yes',
            min: '1',
            max: '5',
            ...extra.values,
          },
          errors: e.messages,
          errorSummary: e.summary,
        },
        e.summary.length ? 400 : 200,
      );
    };

    scope.get('/surveys/:id/questions', { config: build }, async (request, reply) =>
      questionsPage(request, reply, await surveyOf(request)),
    );

    scope.post('/surveys/:id/questions', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const body = bodyOf(request);
      const values: FormValues = {};
      for (const n of [
        'page',
        'type',
        'label-en',
        'label-cy',
        'hint-en',
        'hint-cy',
        'required',
        'choices',
        'min',
        'max',
      ])
        values[n] = one(body, n, 5000);
      const errors: Record<string, string> = {};
      const type = surveyQuestionTypes.find((x) => x === values.type);
      if (!type) errors.type = 'surveys.staff.error-type';
      if (!values['label-en']) errors['label-en'] = 'surveys.staff.error-label';
      const choices: Choice[] = [];
      for (const line of values.choices!.split(/\r?\n/).filter((l) => l.trim())) {
        const [en = '', cy = ''] = line.split('|').map((x) => x.trim());
        let value = slugOf(en);
        for (let n = 2; choices.some((c) => c.value === value); n++) value = `${slugOf(en, 36)}-${n}`;
        if (en) choices.push({ value, label: localText(en, cy) });
      }
      const needsChoices = ['radios', 'checkboxes', 'select', 'likert', 'ranking'].includes(type ?? '');
      if (needsChoices && choices.length < (type === 'likert' ? 1 : 2))
        errors.choices = 'surveys.staff.error-choices';
      const min = Number(values.min);
      const max = Number(values.max);
      if (
        type === 'rating' &&
        (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 10 || max <= min)
      )
        errors.max = 'surveys.staff.error-scale';
      if (Object.keys(errors).length) return questionsPage(request, reply, survey, { errors, values });
      const taken = new Set(allQuestions(survey.definition).map((q) => q.id));
      const base = {
        id: questionIdFor(values['label-en']!, taken),
        label: localText(values['label-en']!, values['label-cy']!),
        ...(values['hint-en'] ? { hint: localText(values['hint-en'], values['hint-cy']!) } : {}),
        ...(values.required === 'no' ? { required: false } : {}),
      };
      const question = (
        type === 'rating'
          ? { ...base, type, min, max }
          : type === 'likert'
            ? { ...base, type, rows: choices, columns: agreeScale }
            : type === 'ranking'
              ? { ...base, type, items: choices }
              : ['radios', 'checkboxes', 'select'].includes(type!)
                ? { ...base, type, options: choices }
                : { ...base, type }
      ) as SurveyQuestion;
      const definition: SurveyDefinition = structuredClone(survey.definition);
      let target = definition.pages.find((p) => p.id === values.page);
      if (!target) {
        let id = `page-${definition.pages.length + 1}`;
        for (let n = definition.pages.length + 2; definition.pages.some((p) => p.id === id); n++)
          id = `page-${n}`;
        target = { id, questions: [] };
        definition.pages.push(target);
      }
      target.questions.push(question);
      const checked = checkDefinition(definition);
      if (!checked.ok)
        return questionsPage(request, reply, survey, { errors: { type: checked.errors[0]! }, values });
      await db.transaction(async (tx) => {
        await store.setDefinition(tx, request.tenant.id, survey.id, checked.definition);
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.question.add',
          subject: { type: 'survey', id: survey.id },
          details: { question: question.id, type: question.type, own: isOwn(question) },
        });
      });
      return reply.redirect(`/staff/surveys/${survey.id}/questions#${question.id}`, 303);
    });

    scope.post('/surveys/:id/questions/remove', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const questionId = one(bodyOf(request), 'questionId', 60);
      const definition: SurveyDefinition = structuredClone(survey.definition);
      for (const p of definition.pages) p.questions = p.questions.filter((q) => q.id !== questionId);
      definition.pages = definition.pages.filter((p) => p.questions.length > 0);
      // A survey keeps at least one question: the last one cannot be removed here.
      const checked = checkDefinition(definition);
      if (!checked.ok)
        return questionsPage(request, reply, survey, {
          errors: { questions: 'surveys.staff.error-last-question' },
        });
      await db.transaction(async (tx) => {
        await store.setDefinition(tx, request.tenant.id, survey.id, checked.definition);
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.question.remove',
          subject: { type: 'survey', id: survey.id },
          details: { question: questionId },
        });
      });
      return reply.redirect(`/staff/surveys/${survey.id}/questions`, 303);
    });

    // A consultation document uploaded as a PDF: kept in the file store, listed on the survey's page.
    scope.post('/surveys/:id/documents', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const body = bodyOf(request);
      const titleEn = one(body, 'document-en', 200);
      const titleCy = one(body, 'document-cy', 200);
      const file = raw.document as
        | { type?: string; filename?: string; toBuffer?: () => Promise<Buffer> }
        | undefined;
      const bytes = file?.type === 'file' && file.toBuffer ? await file.toBuffer() : Buffer.alloc(0);
      const errors: Record<string, string> = {};
      if (!titleEn) errors['document-en'] = 'surveys.staff.error-document-title';
      if (!bytes.length) errors.document = 'surveys.staff.error-document-file';
      else if (sniffMimeType(bytes) !== 'application/pdf')
        errors.document = 'surveys.staff.error-document-pdf';
      if (Object.keys(errors).length)
        return settingsPage(request, reply, {
          survey,
          values: { ...valuesOf(survey), 'document-en': titleEn, 'document-cy': titleCy },
          errors,
        });
      await db.transaction(async (tx) => {
        const stored = await files.put(
          request.tenant.id,
          bytes,
          { filename: file?.filename ?? 'document.pdf', contentType: 'application/pdf' },
          tx,
        );
        await store.addDocument(tx, request.tenant.id, survey.id, {
          title: localText(titleEn, titleCy),
          url: `file:${stored.id}`,
        });
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.document.add',
          subject: { type: 'survey', id: survey.id },
          details: { file: stored.id },
        });
      });
      (await request.session()).set('surveysFlash', 'surveys.staff.document-added');
      return reply.redirect(`/staff/surveys/${survey.id}`, 303);
    });

    // Invitations: who was invited, by list; their names and addresses are personal data, so viewing is audited.
    const invitationsPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      survey: store.Survey,
      extra: { errors?: Record<string, string>; values?: FormValues } = {},
    ) => {
      const session = await request.session();
      const flash = session.get<{ key: string; params?: Record<string, number> }>('surveysNotice');
      if (flash) session.set('surveysNotice', undefined);
      const saved = session.get<string>('surveysFlash');
      if (saved) session.set('surveysFlash', undefined);
      const invitations = await store.invitationsOf(db, request.tenant.id, survey.id);
      await recordAudit(db, {
        tenantId: request.tenant.id,
        actor: actor(request),
        action: 'survey.invitations.view',
        subject: { type: 'survey', id: survey.id },
        details: { invitations: invitations.length },
      });
      const e = errorsOf(request, extra.errors ?? {});
      const t = i18n.t(request.lang);
      return page(
        request,
        reply,
        'invitations',
        {
          survey,
          title: localise(survey.title, request.lang).text,
          invitations,
          rates: (await store.responseRates(db, request.tenant.id, survey.id)).map((r) => ({
            ...r,
            rate: r.invited ? Math.round((r.answered / r.invited) * 100) : 0,
          })),
          notice: flash ? t(flash.key, flash.params) : saved ? t(saved) : undefined,
          values: extra.values ?? {},
          errors: e.messages,
          errorSummary: e.summary,
          state: stateOf(survey, now()),
        },
        e.summary.length ? 400 : 200,
      );
    };

    scope.get('/surveys/:id/invitations', { config: build }, async (request, reply) =>
      invitationsPage(request, reply, await surveyOf(request)),
    );

    scope.post('/surveys/:id/invitations', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const body = bodyOf(request);
      const listName = one(body, 'listName', 80);
      const pasted = one(body, 'people', maxCsvBytes);
      let uploaded = '';
      const file = raw.file as { type?: string; toBuffer?: () => Promise<Buffer> } | undefined;
      if (file?.type === 'file' && file.toBuffer) {
        const bytes = await file.toBuffer();
        if (bytes.length > maxCsvBytes)
          return invitationsPage(request, reply, survey, {
            errors: { file: 'surveys.staff.error-file' },
            values: { listName },
          });
        uploaded = bytes.toString('utf8');
      }
      const errors: Record<string, string> = {};
      if (!listName) errors.listName = 'surveys.staff.error-list-name';
      // The pasted lines and the file are read apart, so each one's line numbers are its own.
      const fromPaste = parseInviteCsv(pasted);
      const fromFile = parseInviteCsv(uploaded);
      const invitees = [...fromPaste.invitees, ...fromFile.invitees];
      const bad = [...fromPaste.bad, ...fromFile.bad];
      if (!invitees.length && !bad.length) errors.people = 'surveys.staff.error-people-empty';
      else if (bad.length)
        errors.people = i18n.t(request.lang)('surveys.staff.error-people-lines', {
          lines: bad.slice(0, 10).join(', '),
        });
      if (Object.keys(errors).length)
        return invitationsPage(request, reply, survey, {
          errors,
          values: { listName, people: one(body, 'people', maxCsvBytes) },
        });
      const result = await db.transaction(async (tx) => {
        const r = await inviteToSurvey(tx, {
          tenantId: request.tenant.id,
          surveyId: survey.id,
          listName,
          invitees,
          now: now(),
        });
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.invite',
          subject: { type: 'survey', id: survey.id },
          details: r,
        });
        return r;
      });
      (await request.session()).set('surveysNotice', { key: 'surveys.staff.invited-notice', params: result });
      return reply.redirect(`/staff/surveys/${survey.id}/invitations`, 303);
    });

    scope.post('/surveys/:id/invitations/:invitation/revoke', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const { invitation } = request.params as { invitation: string };
      const found = await store.invitationById(db, request.tenant.id, invitation);
      if (!found || found.surveyId !== survey.id) throw notFound();
      await db.transaction(async (tx) => {
        await store.revokeInvitation(tx, request.tenant.id, survey.id, found.id, now());
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.invitation.revoke',
          subject: { type: 'survey-invitation', id: found.id },
        });
      });
      (await request.session()).set('surveysNotice', { key: 'surveys.staff.revoked' });
      return reply.redirect(`/staff/surveys/${survey.id}/invitations`, 303);
    });

    scope.post('/surveys/:id/reminders', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const listName = one(bodyOf(request), 'listName', 80);
      const sent = await db.transaction(async (tx) => {
        const n = await remindNonResponders(tx, {
          tenantId: request.tenant.id,
          surveyId: survey.id,
          ...(listName ? { listName } : {}),
          now: now(),
        });
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'survey.remind',
          subject: { type: 'survey', id: survey.id },
          details: { sent: n },
        });
        return n;
      });
      (await request.session()).set('surveysNotice', {
        key: 'surveys.staff.reminded',
        params: { count: sent },
      });
      return reply.redirect(`/staff/surveys/${survey.id}/invitations`, 303);
    });

    // Results: the same figures draw the charts, fill their tables and make the exports.
    const filterOf = async (request: FastifyRequest, survey: store.Survey) => {
      const q = request.query as { question?: string; list?: string };
      const lists = (await store.responseRates(db, request.tenant.id, survey.id)).map((r) => r.listName);
      const questionIds = survey.definition.pages.flatMap((p) => p.questions.map((x) => x.id));
      return {
        questionId: q.question && questionIds.includes(q.question) ? q.question : undefined,
        listName: q.list && lists.includes(q.list) ? q.list : undefined,
        lists,
      };
    };
    const query = (f: { questionId?: string; listName?: string }) => {
      const p = new URLSearchParams();
      if (f.questionId) p.set('question', f.questionId);
      if (f.listName) p.set('list', f.listName);
      const s = p.toString();
      return s ? `?${s}` : '';
    };

    scope.get('/surveys/:id/results', { config: insight }, async (request, reply) => {
      const survey = await surveyOf(request);
      const { lists, ...filter } = await filterOf(request, survey);
      const r = await results(db, survey, filter, request.lang);
      // Free text can hold personal data even when nobody's name is on it.
      await recordAudit(db, {
        tenantId: request.tenant.id,
        actor: actor(request),
        action: 'survey.results.view',
        subject: { type: 'survey', id: survey.id },
        details: { ...filter },
      });
      const t = i18n.t(request.lang);
      return page(request, reply, 'results', {
        survey,
        title: localise(survey.title, request.lang).text,
        responses: r.responses,
        charts: r.charts.map((c, i) => {
          const caption = c.row ? `${c.question}: ${c.row.label}` : c.question;
          return {
            ...c,
            caption,
            svg: barChartSvg(
              c,
              `chart-${i}`,
              t(`surveys.results.chart-title-${c.measure}`, { question: caption }),
            ),
            id: `chart-${i}`,
          };
        }),
        freeText: r.freeText,
        withheld: r.withheld,
        smallest: smallestAnonymousGroup,
        questions: survey.definition.pages.flatMap((p) =>
          p.questions.map((q) => ({
            value: q.id,
            text: localise(q.label, request.lang).text,
            selected: q.id === filter.questionId,
          })),
        ),
        lists: lists.map((l) => ({ value: l, text: l, selected: l === filter.listName })),
        filter,
        exportQuery: query(filter),
        back: `/staff/surveys/${survey.id}/results${query(filter)}`,
        rates: (await store.responseRates(db, request.tenant.id, survey.id)).map((x) => ({
          ...x,
          rate: x.invited ? Math.round((x.answered / x.invited) * 100) : 0,
        })),
      });
    });

    const exported = async (request: FastifyRequest, format: 'csv' | 'json') => {
      const survey = await surveyOf(request);
      const { lists: _lists, ...filter } = await filterOf(request, survey);
      const r = await results(db, survey, filter, request.lang);
      await recordAudit(db, {
        tenantId: request.tenant.id,
        actor: actor(request),
        action: 'survey.export',
        subject: { type: 'survey', id: survey.id },
        details: { format, ...filter },
      });
      return { survey, r, filter };
    };

    scope.get('/surveys/:id/results.csv', { config: insight }, async (request, reply) => {
      const { survey, r } = await exported(request, 'csv');
      return reply
        .header('content-disposition', `attachment; filename="${survey.slug}-results.csv"`)
        .header('cache-control', 'no-store')
        .type('text/csv; charset=utf-8')
        .send(resultsCsv(r));
    });

    scope.get('/surveys/:id/results.json', { config: insight }, async (request, reply) => {
      const { survey, r, filter } = await exported(request, 'json');
      return reply.header('cache-control', 'no-store').send(resultsJson(survey, r, filter));
    });

    scope.post('/surveys/:id/tags', { config: insight }, async (request, reply) => {
      const survey = await surveyOf(request);
      const body = bodyOf(request);
      const responseId = one(body, 'responseId', 40);
      const questionId = one(body, 'questionId', 40);
      const tag = one(body, 'tag', 60).toLowerCase();
      const back = one(body, 'back', 500);
      const safeBack = back.startsWith(`/staff/surveys/${survey.id}/results`)
        ? back
        : `/staff/surveys/${survey.id}/results`;
      if (!/^[0-9a-f-]{36}$/i.test(responseId)) throw notFound();
      if (tag) {
        const remove = one(body, 'remove', 5) === 'yes';
        const input = { surveyId: survey.id, responseId, questionId, tag };
        if (remove) await store.removeTag(db, request.tenant.id, input);
        else await store.addTag(db, request.tenant.id, input);
      }
      return reply.redirect(`${safeBack}#answer-${responseId}-${questionId}`, 303);
    });

    scope.get('/surveys/:id/outcome', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const o = survey.outcome;
      return page(request, reply, 'outcome', {
        survey,
        title: localise(survey.title, request.lang).text,
        values: {
          'asked-en': o?.asked.en ?? '',
          'asked-cy': o?.asked.cy ?? '',
          'said-en': o?.said.en ?? '',
          'said-cy': o?.said.cy ?? '',
          'did-en': o?.did.en ?? '',
          'did-cy': o?.did.cy ?? '',
          publish: survey.outcomePublishedAt ? 'yes' : 'no',
        },
        errors: {},
        errorSummary: [],
      });
    });

    scope.post('/surveys/:id/outcome', { config: build }, async (request, reply) => {
      const survey = await surveyOf(request);
      const body = bodyOf(request);
      const values: FormValues = {};
      for (const n of ['asked-en', 'asked-cy', 'said-en', 'said-cy', 'did-en', 'did-cy', 'publish'])
        values[n] = one(body, n, 10000);
      const errors: Record<string, string> = {};
      for (const n of ['asked-en', 'said-en', 'did-en'])
        if (!values[n]) errors[n] = 'surveys.staff.error-outcome';
      const publish = values.publish === 'yes';
      if (publish && stateOf(survey, now()) !== 'closed') errors.publish = 'surveys.staff.error-publish-open';
      if (Object.keys(errors).length) {
        const e = errorsOf(request, errors);
        return page(
          request,
          reply,
          'outcome',
          {
            survey,
            title: localise(survey.title, request.lang).text,
            values,
            errors: e.messages,
            errorSummary: e.summary,
          },
          400,
        );
      }
      await db.transaction(async (tx) => {
        await store.setOutcome(
          tx,
          request.tenant.id,
          survey.id,
          {
            asked: localText(values['asked-en']!, values['asked-cy']!),
            said: localText(values['said-en']!, values['said-cy']!),
            did: localText(values['did-en']!, values['did-cy']!),
          },
          publish ? (survey.outcomePublishedAt ?? now()) : null,
        );
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: publish ? 'survey.outcome.publish' : 'survey.outcome.save',
          subject: { type: 'survey', id: survey.id },
        });
      });
      return reply.redirect(`/staff/surveys/${survey.id}/outcome`, 303);
    });
  };
}
