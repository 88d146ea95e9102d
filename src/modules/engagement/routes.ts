import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import { forbidden, notFound } from '../../platform/errors/errors.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { lookupReference } from '../cases/service.ts';
import {
  maxSatisfactionComment,
  recordCaseSatisfaction,
  satisfactionLevels,
  satisfactionTokenValid,
  validateSatisfaction,
} from './service.ts';

interface Flash {
  errors: { field: string; message: string }[];
  values: Record<string, string>;
}

/** The one question after every transaction: from the confirmation page or the email's link. */
export function registerSatisfaction(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'i18n' | 'signer'>,
): void {
  const { db, i18n, signer } = services;

  const findCase = async (tenantId: string, reference: unknown, token: unknown) => {
    if (typeof reference !== 'string') throw notFound();
    const found = await lookupReference(db, tenantId, reference);
    if (found.kind !== 'found') throw notFound();
    if (!satisfactionTokenValid(signer, tenantId, found.case.reference, token)) throw forbidden();
    return found.case;
  };

  app.get('/satisfaction', async (request, reply) => {
    const { reference, token } = request.query as { reference?: string; token?: string };
    const row = await findCase(request.tenant.id, reference, token);
    const session = await request.session();
    const flash = session.get<Flash>('satisfactionForm');
    if (flash) session.set('satisfactionForm', undefined);
    const t = i18n.t(request.lang);
    const errors = flash?.errors ?? [];
    const messageOf = (field: string) => {
      const e = errors.find((x) => x.field === field);
      return e ? { text: t(e.message, { max: maxSatisfactionComment }) } : undefined;
    };
    return reply.header('cache-control', 'no-store').render('modules/engagement/views/satisfaction.njk', {
      reference: row.reference,
      token,
      levels: satisfactionLevels,
      values: flash?.values ?? {},
      errors: { rating: messageOf('rating'), comment: messageOf('comment') },
      errorSummary: errors.map((e) => ({
        text: t(e.message, { max: maxSatisfactionComment }),
        href: `#${e.field}`,
      })),
      maxComment: maxSatisfactionComment,
      headingLevel: 'page',
    });
  });

  app.post('/satisfaction', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const row = await findCase(request.tenant.id, body.reference, body.token);
    const { value, errors } = validateSatisfaction(body);
    const back = `/satisfaction?reference=${encodeURIComponent(row.reference)}&token=${encodeURIComponent(String(body.token))}`;
    if (!value) {
      const session = await request.session();
      session.set('satisfactionForm', {
        errors,
        values: { rating: String(body.rating ?? ''), comment: String(body.comment ?? '').slice(0, 5000) },
      } satisfies Flash);
      return reply.redirect(back, 303);
    }
    await recordCaseSatisfaction(
      db,
      request.tenant.id,
      { caseId: row.id, serviceSlug: row.serviceSlug },
      value,
    );
    return reply.redirect('/satisfaction/thank-you', 303);
  });

  app.get('/satisfaction/thank-you', async (_request, reply) =>
    reply.render('modules/engagement/views/satisfaction-thanks.njk'),
  );
}
