import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, codeForStatus, type ErrorCode } from './errors.ts';
import { problem, wantsProblemJson } from './problem.ts';

const titles: Record<ErrorCode, string> = {
  'not-found': 'Not Found',
  forbidden: 'Forbidden',
  'form-expired': 'Form expired',
  'too-many-requests': 'Too Many Requests',
  'bad-request': 'Bad Request',
  refused: 'Bad Request',
  internal: 'Internal Server Error',
};

function reply(request: FastifyRequest, res: FastifyReply, code: ErrorCode, status: number, detail?: string) {
  if (wantsProblemJson(request.url, request.headers.accept)) {
    return res
      .status(status)
      .type('application/problem+json')
      .send(problem(status, titles[code], detail, { instance: request.url.split('?')[0] }));
  }
  res.status(status);
  if (!request.tenant) {
    // No council to brand the page with: an unknown host outside demo mode.
    return res.type('text/html; charset=utf-8').send(unknownHostPage(status));
  }
  return res.render('platform/errors/views/error.njk', {
    code,
    status,
    detail: code === 'internal' ? undefined : detail,
  });
}

/** One handler: a safe page, or problem+json on APIs; never a stack outside the logs. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, res) => {
    if (error instanceof AppError) {
      if (error.code === 'too-many-requests') res.header('retry-after', '60');
      return reply(request, res, error.code, error.status, error.detail);
    }
    const status = error.validation ? 400 : (error.statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code = codeForStatus(status);
    // Fastify's own 4xx messages (bad JSON, body too large) are safe to show; 5xx messages are not.
    return reply(request, res, code, status, status < 500 ? error.message : undefined);
  });
  app.setNotFoundHandler((request, res) => reply(request, res, 'not-found', 404));
}

function unknownHostPage(status: number): string {
  const title = status === 404 ? 'Page not found' : 'Sorry, there is a problem';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title></head>
<body><main><h1>${title}</h1><p>This address is not served by any council on this Doorstep site.</p></main></body></html>`;
}
