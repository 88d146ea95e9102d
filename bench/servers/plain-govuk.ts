/**
 * Baseline (c): the practical ceiling for a server-rendered GOV.UK page. Plain Fastify and
 * Nunjucks (template caching on) render, on every request and with no output cache, a page
 * on govuk-frontend's template.njk with the components of Doorstep's home page: skip link,
 * a council header with service navigation, phase banner, language navigation, a search
 * form (input + button) and a footer (govukFooter).
 *
 * GET /feedback is (c') for comparison: the components of Doorstep's feedback page (radios,
 * character count, button) in the same layout, with a CSRF-style HMAC token but no session.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify from 'fastify';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);
const govukDist = path.resolve(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const views = path.join(import.meta.dirname, 'views');

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([views, govukDist], { noCache: false }), {
  autoescape: true,
  trimBlocks: true,
  lstripBlocks: true,
});

const council = {
  name: 'Northshire County Council',
  phone: '01632 960 100',
  email: 'contact@northshire.example',
  hours: 'Monday to Friday, 8:30am to 5pm',
};

/** Built per request, as an application builds its page context. */
function context(url: string) {
  const pathname = url.split('?')[0] ?? '/';
  return {
    lang: 'en',
    path: pathname,
    council,
    navigation: [{ href: '/', text: 'Services', active: pathname === '/' }],
    languages: [
      { text: 'English', lang: 'en', current: true },
      { text: 'Cymraeg', lang: 'cy', current: false, href: `${pathname}?lang=cy` },
    ],
    footerLinks: [
      { href: '/contact', text: 'Contact the council' },
      { href: '/feedback', text: 'Give feedback' },
      { href: '/accessibility', text: 'Accessibility statement' },
      { href: '/privacy', text: 'Privacy notice' },
      { href: '/cookies', text: 'Cookies' },
      { href: '/contact', text: 'Contact' },
    ],
  };
}

const levels = [
  ['very-satisfied', 'Very satisfied'],
  ['satisfied', 'Satisfied'],
  ['neutral', 'Neither satisfied nor dissatisfied'],
  ['dissatisfied', 'Dissatisfied'],
  ['very-dissatisfied', 'Very dissatisfied'],
].map(([value, text]) => ({ value, text, checked: false }));
const secret = 'plain-baseline-secret';

const app = Fastify({ logger: false });
app.get('/', async (request, reply) =>
  reply.type('text/html; charset=utf-8').send(env.render('plain-home.njk', context(request.url))),
);
app.get('/feedback', async (request, reply) => {
  const csrfToken = createHmac('sha256', secret).update(`csrf:${request.id}`).digest('base64url');
  const html = env.render('plain-feedback.njk', { ...context(request.url), levels, csrfToken });
  return reply.type('text/html; charset=utf-8').send(html);
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
