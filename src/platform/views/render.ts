import type { FastifyInstance, FastifyReply } from 'fastify';
import type nunjucks from 'nunjucks';
import type { I18n } from '../i18n/catalogue.ts';
import { localise } from '../i18n/local-text.ts';
import { buildPageContext, type NavigationItem, type PageContext } from './page.ts';
import { RenderMemo } from './render-memo.ts';

export interface RenderCall {
  /**
   * The page shows nothing of the visitor's own (answers, errors): render it once for
   * everyone with the same inputs (see RenderMemo).
   */
  reuse?: boolean;
}

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page of the council's site in the visitor's language and sends it as HTML. */
    render(template: string, context?: Record<string, unknown>, call?: RenderCall): FastifyReply;
    /** Renders a page to a string, for pages that are cached. */
    renderToString(template: string, context?: Record<string, unknown>): string;
  }
}

export interface RenderOptions {
  env: nunjucks.Environment;
  i18n: I18n;
  navigation: NavigationItem[];
  assets: PageContext['assets'];
  brandVersion: (tenantId: string) => string;
}

function renderPage(
  reply: FastifyReply,
  options: RenderOptions,
  template: string,
  context: Record<string, unknown> = {},
  memo?: RenderMemo,
): string | Buffer {
  const request = reply.request;
  const t = options.i18n.t(request.lang);
  const page = buildPageContext(
    request,
    t,
    options.navigation,
    options.assets,
    options.brandVersion(request.tenant.id),
  );
  const key = memo?.key(template, { context, page });
  if (memo && key) {
    const parts = memo.get(key);
    if (parts) return RenderMemo.assemble(parts, () => request.csrfToken());
  }
  const html = options.env.render(template, {
    ...context,
    page,
    t,
    local: (value: Parameters<typeof localise>[0]) => localise(value, request.lang),
    csrfToken: () => (memo && key ? memo.csrfMarker : request.csrfToken()),
  });
  if (!memo || !key) return html;
  return RenderMemo.assemble(memo.set(key, html), () => request.csrfToken());
}

export function registerRender(app: FastifyInstance, options: RenderOptions): void {
  const memo = new RenderMemo();
  app.decorateReply(
    'render',
    function (this: FastifyReply, template: string, context?: Record<string, unknown>, call?: RenderCall) {
      const html = renderPage(this, options, template, context, call?.reuse ? memo : undefined);
      return this.type('text/html; charset=utf-8').send(html);
    },
  );
  app.decorateReply(
    'renderToString',
    function (this: FastifyReply, template: string, context?: Record<string, unknown>) {
      return renderPage(this, options, template, context) as string;
    },
  );
}
