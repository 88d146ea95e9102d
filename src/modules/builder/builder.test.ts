import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { validateDefinition } from '../forms/engine/index.ts';

let t: TestApp;
let manager: Visitor;

before(async () => {
  t = await testApp();
  manager = await signInStaff(t, northshire, 'manager@northshire.example');
});

after(async () => {
  await t?.close();
});

/** Posts a builder form from its own page and expects the redirect of a saved change. */
async function save(page: string, form: Record<string, string | string[]>, action = page) {
  const response = await manager.post(page, action, form);
  assert.equal(response.statusCode, 303, textOf(response.body).slice(0, 2000));
  return response.headers.location as string;
}

describe('the form builder', () => {
  test('a case officer and an agent cannot reach the builder; a service manager can', async () => {
    for (const email of ['officer@northshire.example', 'agent@northshire.example']) {
      const who = await signInStaff(t, northshire, email);
      for (const url of ['/staff/forms', '/staff/forms/new', '/staff/forms/dropped-kerb', '/staff/changes']) {
        const response = await who.get(url);
        assert.equal(response.statusCode, 403, `${email} ${url}`);
      }
      // A POST is refused by the same hook before it changes anything.
      const home = await who.get('/staff');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? '';
      const posted = await t.app.inject({
        method: 'POST',
        url: '/staff/forms/new',
        headers: { ...northshire, cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, titleEn: 'Sneaky' }).toString(),
      });
      assert.equal(posted.statusCode, 403);
    }
    const forms = await manager.get('/staff/forms');
    assert.equal(forms.statusCode, 200);
    assert.match(textOf(forms.body), /Apply for a dropped kerb|dropped-kerb/);
    const [row] = await t.app.services.db.query(
      `select 1 from form_working_copies where tenant_id = $1 and slug = 'sneaky'`,
      [t.tenants.northshire.id],
    );
    assert.equal(row, undefined);
  });

  test('builds a three-page form with a condition and a file upload, explains problems, publishes it', async () => {
    const base = await save('/staff/forms/new', {
      titleEn: 'Report fly-tipping',
      titleCy: 'Rhoi gwybod am dipio anghyfreithlon',
    });
    assert.equal(base, '/staff/forms/report-fly-tipping');

    // Nothing to publish yet: the engine's reason, in an error summary, and no version made.
    const empty = await manager.post(base, `${base}/publish`, {});
    assert.equal(empty.statusCode, 400);
    assert.match(textOf(empty.body), /There is a problem/);
    assert.match(textOf(empty.body), /pages: must have at least 1 item/);

    const page1 = await save(
      base,
      { pageTitleEn: 'What was dumped', pageTitleCy: 'Beth a adawyd', kind: 'question' },
      `${base}/pages`,
    );
    assert.equal(page1, `${base}/pages/what-was-dumped`);
    await save(`${page1}/questions/new?type=radios`, {
      labelEn: 'What was dumped?',
      labelCy: 'Beth a adawyd?',
      required: 'yes',
      options: 'Household rubbish | Sbwriel tŷ\nBuilding waste | Gwastraff adeiladu',
      retention: 'deal-with-request',
    });
    const page2 = await save(
      base,
      { pageTitleEn: 'Photos', pageTitleCy: 'Lluniau', kind: 'question' },
      `${base}/pages`,
    );
    await save(`${page2}/questions/new?type=file`, {
      labelEn: 'Add a photo',
      labelCy: 'Ychwanegu llun',
      required: 'no',
      accept: 'image/*',
      maxMegabytes: '5',
      maxFiles: '1',
      retention: 'evidence',
    });
    const page3 = await save(
      base,
      { pageTitleEn: 'Contact', pageTitleCy: 'Cyswllt', kind: 'question' },
      `${base}/pages`,
    );
    await save(`${page3}/questions/new?type=email`, {
      labelEn: 'Email address',
      labelCy: 'Cyfeiriad e-bost',
      required: 'yes',
      retention: 'contact-you',
    });

    // A question without a purpose from the schedule is refused, saying so; nothing is saved.
    const noPurpose = await manager.post(
      `${page3}/questions/new?type=text`,
      `${page3}/questions/new?type=text`,
      {
        labelEn: 'Your name',
        required: 'yes',
      },
    );
    assert.equal(noPurpose.statusCode, 400);
    assert.match(textOf(noPurpose.body), /Select why the answer is collected and how long it is kept/);

    // A condition on a later question is refused in the engine's words.
    const later = await manager.post(`${page1}/condition`, `${page1}/condition`, {
      combine: 'all',
      'question-0': 'emailAddress',
      'operator-0': 'answered',
      'value-0': 'yes',
    });
    assert.equal(later.statusCode, 400);
    assert.match(textOf(later.body), /a later page .* conditions may only use answers from earlier pages/);

    // The photos page only for building waste, written with the option's Welsh name.
    await save(`${page2}/condition`, {
      combine: 'all',
      'question-0': 'whatWasDumped',
      'operator-0': 'equals',
      'value-0': 'Gwastraff adeiladu',
    });

    const published = await manager.post(base, `${base}/publish`, {});
    assert.equal(published.headers.location, `${base}?published=1`, textOf(published.body).slice(0, 3000));
    const [row] = await t.app.services.db.query<{ definition: unknown }>(
      `select definition from form_definitions where tenant_id = $1 and slug = 'report-fly-tipping' and version = 1`,
      [t.tenants.northshire.id],
    );
    const checked = validateDefinition(row!.definition);
    assert.ok(checked.ok);
    const definition = checked.definition;
    assert.deepEqual(
      definition.pages.map((p) => p.id),
      ['what-was-dumped', 'photos', 'contact'],
    );
    assert.deepEqual(definition.pages[1]!.condition, { question: 'whatWasDumped', equals: 'building-waste' });
    assert.equal(definition.pages[1]!.questions[0]!.type, 'file');
    assert.deepEqual(definition.pages[2]!.questions[0]!.purpose, {
      en: 'To contact you about your request',
      cy: 'I gysylltu â chi am eich cais',
    });
    assert.equal(definition.pages[0]!.questions[0]!.label.cy, 'Beth a adawyd?');

    // The resident's form is live.
    const live = await t.app.inject({ url: '/forms/report-fly-tipping', headers: northshire });
    assert.equal(live.headers.location, '/forms/report-fly-tipping/what-was-dumped');

    // Preview shows the working copy through the runner's templates.
    const preview = await manager.get(`${base}/preview/photos`);
    assert.equal(preview.statusCode, 200);
    assert.match(textOf(preview.body), /Preview/);
    assert.match(preview.body, /type="file"/);

    // Every change was audited with what it touched, before and after.
    const entries = await listAudit(t.app.services.db, t.tenants.northshire.id, {
      subjectType: 'form',
      subjectId: 'report-fly-tipping',
      limit: 50,
    });
    assert.deepEqual([...new Set(entries.map((e) => e.action))].sort(), [
      'form.changed',
      'form.created',
      'form.published',
    ]);
    const condition = entries.find((e) => e.details.what === 'condition on page "photos"');
    assert.deepEqual(
      (condition!.details.changes as { path: string }[]).map((c) => c.path),
      ['pages[1] ("photos").condition'],
    );
    const history = await manager.get('/staff/changes');
    assert.match(textOf(history.body), /report-fly-tipping/);
  });

  test('version 2 keeps drafts on version 1; versions show differences; rollback publishes a copy', async () => {
    const slug = 'report-fly-tipping';
    const resident = (await import('../../../test/support/staff.ts')).visitor(t, northshire);
    // A resident starts on version 1.
    const started = await resident.get(`/forms/${slug}/what-was-dumped`);
    assert.match(textOf(started.body), /What was dumped\?/);
    const answered = await resident.post(`/forms/${slug}/what-was-dumped`, `/forms/${slug}/what-was-dumped`, {
      whatWasDumped: 'household-rubbish',
    });
    assert.equal(answered.statusCode, 303);

    // The manager changes the first question and publishes version 2.
    const question = `/staff/forms/${slug}/pages/what-was-dumped/questions/whatWasDumped`;
    await save(question, {
      labelEn: 'What kind of waste was dumped?',
      labelCy: 'Pa fath o wastraff a adawyd?',
      required: 'yes',
      options: 'Household rubbish | Sbwriel tŷ\nBuilding waste | Gwastraff adeiladu',
      retention: 'deal-with-request',
    });
    const published = await manager.post(`/staff/forms/${slug}`, `/staff/forms/${slug}/publish`, {});
    assert.equal(published.headers.location, `/staff/forms/${slug}?published=2`);

    // A newcomer sees version 2; the resident who started finishes on version 1.
    const newcomer = await t.app.inject({ url: `/forms/${slug}/what-was-dumped`, headers: northshire });
    assert.match(textOf(newcomer.body), /What kind of waste was dumped\?/);
    const back = await resident.get(`/forms/${slug}/what-was-dumped`);
    assert.match(textOf(back.body), /What was dumped\?/);
    await resident.post(`/forms/${slug}/contact`, `/forms/${slug}/contact`, {
      emailAddress: 'ann@example.com',
    });
    const sent = await resident.post(`/forms/${slug}/check`, `/forms/${slug}/submit`, {});
    assert.equal(sent.headers.location, `/forms/${slug}/done`, textOf(sent.body).slice(0, 1000));
    const [made] = await t.app.services.db.query<{ form_version: number }>(
      `select form_version from cases where tenant_id = $1 and form_slug = $2`,
      [t.tenants.northshire.id, slug],
    );
    assert.equal(made?.form_version, 1);

    const diff = await manager.get(`/staff/forms/${slug}/versions/2`);
    assert.match(textOf(diff.body), /Compared with version 1/);
    assert.match(textOf(diff.body), /label\.en What was dumped\? What kind of waste was dumped\?/);

    const rolled = await manager.post(
      `/staff/forms/${slug}/versions`,
      `/staff/forms/${slug}/versions/1/rollback`,
      {},
    );
    assert.equal(rolled.headers.location, `/staff/forms/${slug}?published=3`);
    const rows = await t.app.services.db.query<{ version: number; definition: unknown }>(
      `select version, definition from form_definitions where tenant_id = $1 and slug = $2 order by version`,
      [t.tenants.northshire.id, slug],
    );
    assert.deepEqual(rows[2]!.definition, rows[0]!.definition);
  });

  test('an exported form imports into the other council unchanged', async () => {
    const exported = await manager.get('/staff/forms/dropped-kerb/export?version=1');
    assert.equal(exported.statusCode, 200);
    assert.match(
      String(exported.headers['content-disposition']),
      /attachment; filename="dropped-kerb-v1.json"/,
    );
    const json = exported.body;

    const other = await signInStaff(t, riverford, 'manager@riverford.example');
    const imported = await other.post('/staff/forms/import', '/staff/forms/import', { json });
    assert.equal(
      imported.headers.location,
      '/staff/forms/dropped-kerb?imported=1',
      textOf(imported.body).slice(0, 2000),
    );
    const published = await other.post('/staff/forms/dropped-kerb', '/staff/forms/dropped-kerb/publish', {});
    assert.equal(published.headers.location, '/staff/forms/dropped-kerb?published=1');
    const again = await other.get('/staff/forms/dropped-kerb/export?version=1');
    assert.deepEqual(JSON.parse(again.body), JSON.parse(json));
    // And Northshire's form is untouched by Riverford's import.
    const [ns] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from form_definitions where tenant_id = $1 and slug = 'dropped-kerb'`,
      [t.tenants.northshire.id],
    );
    assert.equal(ns?.n, 1);

    // Another council's form is not reachable from here.
    const cross = await manager.get('/staff/forms/bulky-waste');
    assert.equal(cross.statusCode, 404);

    // JSON that is not a valid definition is refused, with the engine's reasons.
    const bad = await other.post('/staff/forms/import', '/staff/forms/import', {
      json: JSON.stringify({ schemaVersion: 1, slug: 'x', title: { en: 'X' }, pages: [] }),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(textOf(bad.body), /confirmation is required/);
  });
});

describe('dragging in the builder', () => {
  test('a move to a position (what the drag script posts) is one change; the buttons still move one place', async () => {
    const base = '/staff/forms/drag-test';
    await save('/staff/forms/new', { titleEn: 'Drag test', slug: 'drag-test' });
    for (const title of ['One', 'Two', 'Three'])
      await save(base, { pageTitleEn: title, kind: 'content' }, `${base}/pages`);
    const order = async () => {
      const html = (await manager.get(base)).body;
      return [...html.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]);
    };
    assert.deepEqual(await order(), ['one', 'two', 'three']);
    assert.match(
      (await manager.get(base)).body,
      /<script type="module" src="\/assets\/builder.js"><\/script>/,
    );
    await save(base, { to: '0' }, `${base}/pages/three/move`);
    assert.deepEqual(await order(), ['three', 'one', 'two']);
    await save(base, { direction: 'down' }, `${base}/pages/three/move`);
    assert.deepEqual(await order(), ['one', 'three', 'two']);
    const script = await t.app.inject({ url: '/assets/builder.js' });
    assert.equal(script.statusCode, 200);
  });
});
