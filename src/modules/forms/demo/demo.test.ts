import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cookiesFrom,
  csrfFrom,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../../test/support/app.ts';
import {
  defineForm,
  firstPageId,
  type Question,
  todayInLondon,
  validateDefinition,
} from '../engine/index.ts';
import { demoDefinition, demoForms, formsSeed } from '../seed.ts';
import { demoDefinitions } from './index.ts';

const hosts: Record<string, { host: string }> = { riverford, northshire };

/** Every `{ en, cy }` in a definition, with where it is. */
function localTexts(value: unknown, at = ''): { at: string; text: Record<string, unknown> }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => localTexts(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (typeof record.en === 'string') return [{ at, text: record }];
  return Object.entries(record).flatMap(([k, v]) => localTexts(v, `${at}.${k}`));
}

const filled = (text: unknown) => typeof text === 'string' && text.trim().length > 0;

/** The answers that take a guest down every conditional branch of the demo forms. */
const branch: Record<string, string | string[]> = {
  binType: 'garden-waste',
  binReason: 'damaged',
  items: ['sofa', 'other'],
  isOwner: 'no',
  landlordPermission: 'yes',
};

/** A tiny PNG: enough for the runner's sniffing. */
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** Form fields answering a question the way a careful guest would. */
function answer(question: Question): Record<string, string | string[]> {
  const id = question.id;
  const chosen = branch[id];
  switch (question.type) {
    case 'address':
      return { [`${id}-line1`]: '1 High Street', [`${id}-town`]: 'Riverford', [`${id}-postcode`]: 'RF1 1AA' };
    case 'radios':
    case 'select':
      return { [id]: chosen ?? question.options[0]!.value };
    case 'checkboxes':
      return { [id]: chosen ?? [question.options[0]!.value] };
    case 'yesno':
      return { [id]: chosen ?? 'no' };
    case 'declaration':
      return { [id]: 'yes' };
    case 'date': {
      const [year, month, day] = todayInLondon().split('-');
      return { [`${id}-day`]: day!, [`${id}-month`]: month!, [`${id}-year`]: year! };
    }
    case 'number':
      return { [id]: '6.5' };
    case 'email':
      return { [id]: 'guest@example.com' };
    case 'phone':
      return { [id]: '07700 900982' };
    case 'file':
      return {};
    default:
      return { [id]: 'An answer' };
  }
}

function multipart(fields: Record<string, string | string[]>, files: Record<string, Buffer>) {
  const boundary = 'demo-form-boundary';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    for (const v of [value].flat())
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`),
      );
  for (const [name, bytes] of Object.entries(files)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('the demo form definitions', () => {
  for (const [key, json] of Object.entries(demoDefinitions)) {
    describe(key, () => {
      it('passes validateDefinition with no errors', () => {
        const result = validateDefinition(json);
        assert.deepEqual(result.ok ? [] : result.errors, []);
      });

      it('is the form its key names, and is offered by that council', () => {
        const [council, slug] = key.split('/');
        assert.equal(defineForm(json).slug, slug);
        assert.ok(demoForms.some((f) => f.council === council && f.slug === slug));
      });

      it('gives every question a purpose and a retention, in English and Welsh', () => {
        for (const question of defineForm(json).pages.flatMap((p) => p.questions)) {
          assert.ok(filled(question.purpose.en), `${question.id}: purpose in English`);
          assert.ok(filled(question.purpose.cy), `${question.id}: purpose in Welsh`);
          assert.match(question.retention.period, /^P\d/, `${question.id}: retention period`);
        }
      });

      it('says every word in Welsh as well as English', () => {
        const missing = localTexts(json)
          .filter(({ text }) => !filled(text.cy))
          .map(({ at }) => at);
        assert.deepEqual(missing, []);
      });

      it('has no repeatable page, which the runner cannot show yet', () => {
        assert.deepEqual(
          defineForm(json)
            .pages.filter((p) => p.repeat)
            .map((p) => p.id),
          [],
        );
      });
    });
  }

  it('has a definition for every demo form', () => {
    for (const { council, slug } of demoForms)
      assert.doesNotThrow(() => defineForm(demoDefinition(council, slug)));
  });
});

describe('the demo forms in the runner', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  for (const { council, slug } of demoForms) {
    it(`${council} shows the first page of ${slug}, in English and in Welsh`, async () => {
      const definition = defineForm(demoDefinition(council, slug));
      const url = `/forms/${slug}/${firstPageId(definition)}`;
      const res = await t.app.inject({ url, headers: hosts[council]! });
      assert.equal(res.statusCode, 200, `${council} ${url}`);
      assert.ok(res.body.includes(definition.title.en), `${council} ${url} in English`);

      const cy = await t.app.inject({ url, headers: { ...hosts[council]!, cookie: 'lang=cy' } });
      assert.equal(cy.statusCode, 200);
      assert.ok(cy.body.includes(definition.title.cy!), `${council} ${url} in Welsh`);

      const privacy = await t.app.inject({ url: `/forms/${slug}/privacy`, headers: hosts[council]! });
      assert.equal(privacy.statusCode, 200);
    });
  }

  for (const [index, { council, slug }] of demoForms.entries()) {
    // A form with an "add another" section has its own journey test (forms.test.ts): this
    // walker answers each page once.
    const walkable = !defineForm(demoDefinition(council, slug)).pages.some((p) => p.repeat);
    it(`a guest completes ${council}'s ${slug} through every page, to a reference`, {
      skip: !walkable,
    }, async () => {
      const definition = defineForm(demoDefinition(council, slug));
      const headers = hosts[council]!;
      // Each journey from its own address, so that the public POST limit is not reached.
      const remoteAddress = `192.0.2.${index + 10}`;
      let cookie = '';
      const visited: string[] = [];
      let location = `/forms/${slug}/${firstPageId(definition)}`;
      for (let step = 0; step < 40 && location.startsWith(`/forms/${slug}/`); step++) {
        const pageId = location.slice(`/forms/${slug}/`.length);
        if (pageId === 'check') break;
        const page = definition.pages.find((p) => p.id === pageId);
        assert.ok(page, `${location} is a page of the form`);
        const get = await t.app.inject({ url: location, headers: { ...headers, cookie }, remoteAddress });
        assert.equal(get.statusCode, 200, `GET ${location}`);
        cookie = cookiesFrom(get, cookie);
        visited.push(pageId);
        const fields: Record<string, string | string[]> = { _csrf: csrfFrom(get.body) };
        for (const question of page.questions) Object.assign(fields, answer(question));
        // A required file is uploaded; an optional one is skipped, as a guest may.
        const files: Record<string, Buffer> = {};
        for (const question of page.questions)
          if (question.type === 'file' && question.required) files[question.id] = png;
        const hasFile = page.questions.some((q) => q.type === 'file');
        const body = hasFile
          ? multipart(fields, files)
          : {
              payload: new URLSearchParams(
                Object.entries(fields).flatMap(([k, v]) => [v].flat().map((x): [string, string] => [k, x])),
              ).toString(),
              contentType: 'application/x-www-form-urlencoded',
            };
        const post = await t.app.inject({
          method: 'POST',
          url: location,
          headers: { ...headers, cookie, 'content-type': body.contentType },
          payload: body.payload,
          remoteAddress,
        });
        assert.equal(post.statusCode, 303, `POST ${location}: ${post.body.slice(0, 300)}`);
        cookie = cookiesFrom(post, cookie);
        const next = String(post.headers.location);
        assert.notEqual(next, location, `POST ${location} was not accepted`);
        location = next;
      }
      assert.equal(location, `/forms/${slug}/check`);
      assert.deepEqual(
        visited,
        definition.pages.map((p) => p.id),
        'every page, conditional ones included',
      );

      const check = await t.app.inject({ url: location, headers: { ...headers, cookie }, remoteAddress });
      assert.equal(check.statusCode, 200);
      cookie = cookiesFrom(check, cookie);
      const submit = await t.app.inject({
        method: 'POST',
        url: `/forms/${slug}/submit`,
        headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrfFrom(check.body) }).toString(),
        remoteAddress,
      });
      assert.equal(submit.headers.location, `/forms/${slug}/done`);
      cookie = cookiesFrom(submit, cookie);
      const done = await t.app.inject({
        url: `/forms/${slug}/done`,
        headers: { ...headers, cookie },
        remoteAddress,
      });
      assert.equal(done.statusCode, 200);
      assert.ok(done.body.includes(definition.confirmation.title.en), 'the confirmation');
      assert.match(done.body, /class="app-reference">[A-Z0-9-]+</);
    });
  }

  it('offers each form only in the council whose service it is', async () => {
    const res = await t.app.inject({ url: '/forms/dropped-kerb', headers: riverford });
    assert.equal(res.statusCode, 404);
    const bins = await t.app.inject({ url: '/forms/replacement-bin', headers: northshire });
    assert.equal(bins.statusCode, 404);
  });

  it('seeds again without adding or changing a version', async () => {
    const { db } = t.app.services;
    const versions = () =>
      db.query<{ slug: string; tenant: string; versions: number; definition: string }>(
        `select f.slug, t.slug as tenant, count(*)::int as versions, max(f.definition::text) as definition
           from form_definitions f join tenants t on t.id = f.tenant_id
          group by f.slug, t.slug order by t.slug, f.slug`,
      );
    const first = await versions();
    for (const { council, slug } of demoForms)
      assert.ok(
        first.some((r) => r.tenant === council && r.slug === slug && r.versions === 1),
        `${council}/${slug} seeded once`,
      );
    await db.transaction((tx) => formsSeed.run(tx));
    assert.deepEqual(await versions(), first);
  });
});
