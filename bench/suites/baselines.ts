import { type Harness, type Measurement, recordMeasurement, type Suite } from '../harness.ts';

/** (b) a bare Fastify route serving the home page's bytes; (c) plain Fastify + Nunjucks + govuk-frontend. */
export const baselines: Suite = {
  name: 'baselines',
  async run(h: Harness) {
    // (b) needs the home page from Doorstep; (c) does not, so it is reported even when (b) fails.
    let bare: Measurement | undefined;
    let failure: unknown;
    try {
      bare = await h.bareBaseline();
      recordMeasurement(h, 'baselines', '(b) bare Fastify, page bytes', bare);
    } catch (error) {
      failure = error;
    }
    const plain = await h.plainBaseline();
    recordMeasurement(
      h,
      'baselines',
      '(c) Fastify+Nunjucks+govuk-frontend',
      plain,
      bare ? { name: '(b)', m: bare, expected: [0.04, 0.08] } : undefined,
    );
    if (failure) throw failure;
  },
};
