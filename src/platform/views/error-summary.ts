import type { FastifyReply } from 'fastify';

/** Field id -> message, as pages pass them to govuk-frontend's error summary and fields. */
export type FieldErrors = Record<string, string>;

/** The error summary's list: each message linking to its field. */
export function errorSummary(errors: FieldErrors): { text: string; href: string }[] {
  return Object.entries(errors).map(([id, text]) => ({ text, href: `#${id}` }));
}

/** Renders a form page: 400 with its error summary when there are errors, else 200. */
export function renderForm(
  reply: FastifyReply,
  template: string,
  context: Record<string, unknown>,
  errors: FieldErrors = {},
) {
  return reply
    .code(Object.keys(errors).length ? 400 : 200)
    .render(template, { errors, errorSummary: errorSummary(errors), ...context });
}
