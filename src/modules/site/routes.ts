import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { paragraphs } from '../catalogue/routes.ts';
import { type CouncilTexts, councilTexts } from '../settings/service.ts';
import {
  type FieldError,
  maxCommentLength,
  satisfactionLevels,
  submitFeedback,
  validateFeedback,
} from './service.ts';

const contentPages = ['accessibility', 'privacy', 'cookies', 'contact'] as const;
const statementOf: Partial<Record<(typeof contentPages)[number], keyof CouncilTexts>> = {
  accessibility: 'accessibilityStatement',
  privacy: 'privacyNotice',
};

interface FeedbackFlash {
  errors: FieldError[];
  values: Record<string, string>;
}

export function registerSite(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'mailer' | 'tenants' | 'i18n'>,
): void {
  app.get('/brand.css', async (request, reply) => {
    const { brand } = request.tenant;
    // Colours were checked when saved; the CSS is built here, never inline in a page.
    const css = `:root{--govuk-brand-colour:${brand.colour};--app-on-brand-colour:${brand.onColour};}\n`;
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(css);
  });

  app.get('/logo.svg', async (request, reply) =>
    reply
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=300')
      // An SVG opened directly must not run anything.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(request.tenant.brand.logoSvg),
  );

  for (const name of contentPages) {
    app.get(`/${name}`, async (request, reply) => {
      // The council's own statement where it wrote one; the default text where it left it empty.
      const field = statementOf[name];
      if (!field) return reply.render(`modules/site/views/${name}.njk`);
      const stored = localise((await councilTexts(services.db, request.tenant.id))[field], request.lang);
      const own = stored.text.trim() ? { lang: stored.lang, paragraphs: paragraphs(stored.text) } : undefined;
      return reply.render(`modules/site/views/${name}.njk`, { own });
    });
  }

  app.get('/feedback', async (request, reply) => {
    const session = await request.session();
    const flash = session.get<FeedbackFlash>('feedbackForm');
    if (flash) session.set('feedbackForm', undefined);
    const t = services.i18n.t(request.lang);
    const from = (request.query as { from?: string }).from;
    const errors = flash?.errors ?? [];
    const errorOf = (field: string) => {
      const e = errors.find((x) => x.field === field);
      return e ? { text: t(e.message, { max: maxCommentLength }) } : undefined;
    };
    return reply.header('cache-control', 'no-store').render('modules/site/views/feedback.njk', {
      values: flash?.values ?? { from: from ?? '' },
      errorSummary: errors.map((e) => ({
        text: t(e.message, { max: maxCommentLength }),
        href: `#${e.field}`,
      })),
      errors: { satisfaction: errorOf('satisfaction'), comments: errorOf('comments') },
      levels: satisfactionLevels,
      maxCommentLength,
    });
  });

  app.post('/feedback', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { value, errors } = validateFeedback(body);
    if (!value) {
      const session = await request.session();
      const values = Object.fromEntries(
        ['satisfaction', 'comments', 'from'].map((k) => [
          k,
          typeof body[k] === 'string' ? String(body[k]).slice(0, 5000) : '',
        ]),
      );
      session.set('feedbackForm', { errors, values } satisfies FeedbackFlash);
      return reply.redirect('/feedback', 303);
    }
    await submitFeedback(services, request.tenant, value);
    return reply.redirect('/feedback/thank-you', 303);
  });

  app.get('/feedback/thank-you', async (_request, reply) =>
    reply.render('modules/site/views/feedback-sent.njk'),
  );
}
