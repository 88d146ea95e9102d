import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);
/** node_modules/govuk-frontend/dist, holding govuk/template.njk and the component macros. */
export const govukFrontendDist = path.resolve(
  path.dirname(require.resolve('govuk-frontend/package.json')),
  'dist',
);

const srcDir = path.resolve(import.meta.dirname, '../..');

/**
 * One Nunjucks environment for every page. Templates are named from src/, e.g.
 * "modules/catalogue/views/home.njk", so a template's path says which module owns it.
 */
export function createViewEngine(): nunjucks.Environment {
  const loader = new nunjucks.FileSystemLoader([srcDir, govukFrontendDist], { noCache: false });
  const env = new nunjucks.Environment(loader, {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter(
    'json',
    (value: unknown) => new nunjucks.runtime.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
  );
  env.addFilter('date', formatDateTime);
  return env;
}

const dateFormats = new Map(
  (['en', 'cy'] as const).map((lang) => [
    lang,
    new Intl.DateTimeFormat(lang === 'cy' ? 'cy-GB' : 'en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: 'Europe/London',
    }),
  ]),
);

/** "24 November 2026 at 08:30" (or its Welsh), in UK time whatever the server's zone. */
export function formatDateTime(value: Date | string, lang: string): string {
  const format = dateFormats.get(lang === 'cy' ? 'cy' : 'en')!;
  return format.format(value instanceof Date ? value : new Date(value));
}

/**
 * The sha256 source of the one inline script in govuk-frontend's page template, for the
 * CSP: read from the template itself so an upgrade cannot silently break every page.
 */
export function templateScriptHash(): string {
  const template = readFileSync(path.join(govukFrontendDist, 'govuk/template.njk'), 'utf8');
  const match = /<script[^>]*>([^<]+)<\/script>/.exec(template);
  if (!match?.[1]) throw new Error('govuk-frontend template.njk: inline script not found');
  return `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`;
}
