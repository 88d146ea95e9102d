/**
 * The form runner in a real browser, as a guest: "report a missed bin collection" on a 320px
 * phone without JavaScript and with it (reference on screen and by email), axe and the
 * horizontal-scroll and CSP checks on every page of the journey, a change link on check your
 * answers, the satisfaction question stored against the case, and a walk through every page
 * of every published demo form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import pino from 'pino';
import type { Page } from 'playwright-core';
import type { FormDefinition, Question } from '../../src/modules/forms/engine/index.ts';
import { createWorker } from '../../src/worker.ts';
import {
  audit,
  type BrowserSuite,
  type Council,
  clickAndWait,
  type OpenedPage,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;

before(async () => {
  // Every guest below comes from an address of their own (X-Forwarded-For, trusted here), as
  // real guests do: one address would soon meet the limit on public POSTs (30 a minute).
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
});

after(async () => {
  await suite?.close();
});

const slug = 'missed-bin-collection';
const form = `/forms/${slug}`;
const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;

let guests = 0;

/** A guest's page, from an address of their own. */
async function guest(javaScript: boolean): Promise<OpenedPage> {
  const opened = await suite.openPage({ javaScript, width: 320 });
  guests += 1;
  await opened.page.setExtraHTTPHeaders({ 'x-forwarded-for': `198.51.100.${guests}` });
  return opened;
}

/** Today in the council's time zone, as day, month and year. */
function londonToday(): { day: number; month: number; year: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    day: 'numeric',
    month: 'numeric',
    year: 'numeric',
  }).formatToParts(new Date());
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { day: part('day'), month: part('month'), year: part('year') };
}

async function errorSummary(page: Page): Promise<string> {
  const summary = page.locator('.govuk-error-summary');
  return (await summary.count()) ? text(await summary.textContent()) : '';
}

/** Clicks Continue (or another button) and asserts the page moved on without errors. */
async function continueTo(page: Page, expected: string | RegExp, button = 'Continue'): Promise<void> {
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  const errors = await errorSummary(page);
  assert.equal(errors, '', `${page.url()} shows errors`);
  if (typeof expected === 'string') assert.equal(path(page), expected);
  else assert.match(path(page), expected);
}

async function serviceStartingForm(council: Council, formSlug: string): Promise<string | undefined> {
  const [row] = await suite.app.app.services.db.query<{ slug: string }>(
    `select s.slug from services s join tenants t on t.id = s.tenant_id
      where t.slug = $1 and s.start_target = $2 and s.published limit 1`,
    [council, `form:${formSlug}`],
  );
  return row?.slug;
}

/** Runs the outbox until nothing is due: earlier journeys may have left more than one batch. */
async function runWorker(): Promise<void> {
  const worker = createWorker({
    db: suite.app.app.services.db,
    mailer: suite.app.app.services.mailer,
    now: () => new Date(),
    logger: pino({ level: 'silent' }),
  });
  for (let i = 0; i < 100 && (await worker.runDue()) > 0; i++);
}

interface JourneyOptions {
  javaScript: boolean;
  /** Run the per-page checks (axe, scroll, CSP, screenshots) and the error pages. */
  audited: boolean;
  email: string;
  binType?: string;
}

/**
 * Report a missed bin collection from the service page to check your answers; returns the
 * opened page, on check your answers.
 */
async function toCheckYourAnswers(opened: OpenedPage, o: JourneyOptions): Promise<void> {
  const { page } = opened;
  const shot = (() => {
    let n = 0;
    return (step: string) =>
      `forms-${slug}-${o.javaScript ? 'js' : 'nojs'}-320-${String(++n).padStart(2, '0')}-${step}`;
  })();
  const check = (step: string) => (o.audited ? audit(opened, shot(step)) : Promise.resolve());

  // From the service page's "Start now".
  const service = await serviceStartingForm('riverford', slug);
  assert.ok(service, 'a Riverford service starts the missed bin form');
  await page.goto(suite.url('riverford', `/services/${service}`));
  await check('service');
  await clickAndWait(page, page.getByRole('button', { name: /Start now/ }));
  assert.equal(path(page), `${form}/address`);
  assert.equal(text(await page.locator('h1').textContent()), 'What is the address where the bin was missed?');
  await check('address');

  if (o.audited) {
    // An empty page: the error summary links to the field, the title says so, axe still passes.
    await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
    assert.equal(path(page), `${form}/address`);
    assert.match(await page.title(), /^Error: /);
    assert.match(await errorSummary(page), /Enter the address where the bin was missed/);
    assert.ok(
      await page.locator('.govuk-error-summary a[href^="#address"]').count(),
      'the error links to the field',
    );
    await check('address-error');
  }

  // Find the address by postcode, without JavaScript a round trip, and pick the first one.
  await page.getByLabel('Postcode', { exact: true }).fill('RF1 1AA');
  await clickAndWait(page, page.getByRole('button', { name: 'Find address' }));
  assert.equal(path(page), `${form}/address`);
  const found = page.locator('input[name="address-uprn"]');
  assert.ok((await found.count()) > 0, 'addresses are found for RF1 1AA');
  assert.equal(
    await page.getByLabel('Postcode', { exact: true }).inputValue(),
    'RF1 1AA',
    'the postcode is kept',
  );
  await check('address-found');
  const firstAddress = text(await page.locator('label[for="address-uprn"]').textContent());
  await found.first().check();
  await continueTo(page, `${form}/bin-type`);

  await check('bin-type');
  await page.getByLabel(o.binType ?? 'General waste (black bin)').check();
  await continueTo(page, `${form}/collection-date`);

  await check('collection-date');
  if (o.audited) {
    await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
    assert.equal(path(page), `${form}/collection-date`);
    assert.match(await errorSummary(page), /Enter the date the bin should have been collected/);
    await check('collection-date-error');
  }
  const today = londonToday();
  await page.getByLabel('Day').fill(String(today.day));
  await page.getByLabel('Month').fill(String(today.month));
  await page.getByLabel('Year').fill(String(today.year));
  await continueTo(page, `${form}/details`);

  await check('details');
  await page.locator('textarea[name="moreDetails"]').fill('The bin was at the front gate by 7am.');
  await continueTo(page, `${form}/contact`);

  await check('contact');
  await page.locator('input[name="email"]').fill(o.email);
  await continueTo(page, `${form}/declaration`);

  await check('declaration');
  if (o.audited) {
    await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
    assert.match(await errorSummary(page), /Confirm that the information you have given is correct/);
    await check('declaration-error');
  }
  await page.locator('input[name="declaration"]').check();
  await continueTo(page, `${form}/check`);

  assert.equal(text(await page.locator('h1').textContent()), 'Check your answers before sending');
  const summary = text(await page.locator('.govuk-summary-list').textContent());
  assert.ok(
    summary.includes(firstAddress.split(',')[0]!),
    `the address picked is on the summary: ${summary}`,
  );
  assert.ok(summary.includes(o.email), 'the email is on the summary');
  await check('check');
}

/** Sends from check your answers; returns the reference shown on the confirmation page. */
async function send(opened: OpenedPage, o: JourneyOptions): Promise<string> {
  const { page } = opened;
  await continueTo(page, `${form}/done`, 'Send');
  const reference = text(await page.locator('strong.app-reference').textContent());
  assert.match(reference, /^RF-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(text(await page.locator('h1').textContent()), 'We have received your report');
  if (o.audited) await audit(opened, `forms-${slug}-${o.javaScript ? 'js' : 'nojs'}-320-99-done`);
  return reference;
}

async function mailbox(page: Page): Promise<{ to: string | string[]; subject: string; text: string }[]> {
  const response = await page.goto(suite.url('riverford', '/dev/mail.json'));
  assert.equal(response?.status(), 200);
  return JSON.parse(await response!.text());
}

describe('report a missed bin collection, as a guest on a 320px phone', () => {
  for (const javaScript of [false, true]) {
    test(`${javaScript ? 'with' : 'without'} JavaScript: every page passes axe, the reference is on screen and by email`, async () => {
      const opened = await guest(javaScript);
      try {
        const email = `guest-${javaScript ? 'js' : 'nojs'}-${Date.now()}@example.com`;
        const o = { javaScript, audited: true, email };
        await toCheckYourAnswers(opened, o);
        const reference = await send(opened, o);

        await runWorker();
        const mail = await mailbox(opened.page);
        const confirmation = mail.find((m) => [m.to].flat().includes(email));
        assert.ok(confirmation, `an email went to ${email}`);
        assert.ok(
          confirmation.subject.includes(reference),
          `its subject has ${reference}: ${confirmation.subject}`,
        );
        assert.ok(confirmation.text.includes(reference), 'its text has the reference');
      } finally {
        await opened.close();
      }
    });
  }
});

describe('check your answers', () => {
  test('a change link goes back to the page and returns to check your answers with the new answer', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      await toCheckYourAnswers(opened, { javaScript: false, audited: false, email: 'change@example.com' });
      const change = page.locator(`a[href="${form}/bin-type?change=1"]`);
      assert.equal(text(await change.textContent()), 'Change Which bin was not collected?');
      await clickAndWait(page, change);
      assert.equal(path(page), `${form}/bin-type`);
      assert.ok(await page.getByLabel('General waste (black bin)').isChecked(), 'the answer given is shown');
      assert.equal(
        await page.locator('.govuk-back-link').getAttribute('href'),
        `${form}/check`,
        'back goes to check your answers',
      );
      await audit(opened, `forms-${slug}-nojs-320-change-bin-type`);
      await page.getByLabel('Food waste (brown caddy)').check();
      await continueTo(page, `${form}/check`);
      const row = page.locator('.govuk-summary-list__row', { hasText: 'Which bin was not collected?' });
      assert.equal(
        text(await row.locator('.govuk-summary-list__value').textContent()),
        'Food waste (brown caddy)',
      );
      opened.assertHealthy();
    } finally {
      await opened.close();
    }
  });

  test('a change that opens a new question asks it, then returns to check your answers', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      await toCheckYourAnswers(opened, { javaScript: false, audited: false, email: 'garden@example.com' });
      await clickAndWait(page, page.locator(`a[href="${form}/bin-type?change=1"]`));
      await page.getByLabel('Garden waste (green bin)').check();
      await continueTo(page, `${form}/garden-subscription`);
      await page.getByLabel('Yes').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(
        path(page),
        `${form}/check`,
        'after the new question, the guest is back on check your answers, not walked through every later page again',
      );
    } finally {
      await opened.close();
    }
  });
});

describe('the question pages, without JavaScript', () => {
  test('an optional question says "(optional)" once', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      await toCheckYourAnswers(opened, { javaScript: false, audited: false, email: 'optional@example.com' });
      for (const pageId of ['details', 'contact']) {
        await page.goto(suite.url('riverford', `${form}/${pageId}`));
        const heading = text(await page.locator('h1').textContent());
        assert.doesNotMatch(heading, /\(optional\).*\(optional\)/, `the heading on ${pageId}`);
      }
    } finally {
      await opened.close();
    }
  });

  test('an empty address page gives its error once', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      await page.goto(suite.url('riverford', form));
      await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
      const messages = await page.locator('.govuk-error-message').allTextContents();
      assert.deepEqual(
        messages.map(text),
        ['Error: Enter the address where the bin was missed'],
        'the same message is not repeated inside the address group',
      );
    } finally {
      await opened.close();
    }
  });

  test('pressing Enter in an address typed by hand does not lose it', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      await page.goto(suite.url('riverford', form));
      await page.getByText('Enter the address yourself').click();
      await page.locator('#address-line1').fill('1 Test Street');
      await page.locator('#address-town').fill('Riverford');
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
      await page.locator('#address-line1').press('Enter');
      await navigated;
      await page.waitForLoadState('load');
      // The browser sends the form with its first button, "Find address" (postcode empty).
      const kept =
        path(page) === `${form}/bin-type` ||
        (await page.locator('#address-line1').inputValue()) === '1 Test Street';
      assert.ok(kept, `after Enter: ${page.url()}, ${text(await page.locator('main').textContent())}`);
    } finally {
      await opened.close();
    }
  });
});

describe('the satisfaction question on the confirmation page', () => {
  test('the answer is stored against the case', async () => {
    const opened = await guest(false);
    const { page } = opened;
    try {
      const o = { javaScript: false, audited: false, email: 'rating@example.com' };
      await toCheckYourAnswers(opened, o);
      const reference = await send(opened, o);
      await page.getByLabel('Very satisfied').check();
      await clickAndWait(
        page,
        page.locator('form[action="/satisfaction"]').getByRole('button', { name: 'Send' }),
      );
      assert.equal(text(await page.locator('h1').textContent()), 'Thank you for telling us');
      await audit(opened, `forms-${slug}-nojs-320-satisfaction-thanks`);
      const rows = await suite.app.app.services.db.query<{ rating: string }>(
        `select rating from satisfaction s join cases c on c.tenant_id = s.tenant_id and c.id = s.case_id
          where c.reference = $1`,
        [reference],
      );
      assert.deepEqual(
        rows.map((r) => r.rating),
        ['very-satisfied'],
      );
    } finally {
      await opened.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// Every page of every published demo form, with valid answers derived from its definition.

/** A 1×1 PNG, built here: signature, IHDR, IDAT, IEND with their CRCs. */
function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0x5c, 0x24, 0x83]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const tinyPdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

const day = 24 * 60 * 60 * 1000;

/** 'YYYY-MM-DD', or a signed ISO duration from today ('-P28D', 'P1Y6M', 'P2W'), as a UTC date. */
function dateBound(spec: string, today: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(spec)) return new Date(`${spec}T00:00:00Z`);
  const m = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(spec);
  assert.ok(m, `a date bound the test understands: ${spec}`);
  const sign = m[1] ? -1 : 1;
  const d = new Date(today);
  d.setUTCFullYear(d.getUTCFullYear() + sign * Number(m[2] ?? 0));
  d.setUTCMonth(d.getUTCMonth() + sign * Number(m[3] ?? 0));
  d.setUTCDate(d.getUTCDate() + sign * (Number(m[4] ?? 0) * 7 + Number(m[5] ?? 0)));
  return d;
}

function validDate(q: Extract<Question, { type: 'date' }>): Date {
  const t = londonToday();
  const today = new Date(Date.UTC(t.year, t.month - 1, t.day));
  let date = today;
  if (q.when === 'past') date = new Date(today.getTime() - day);
  if (q.when === 'future') date = new Date(today.getTime() + day);
  if (q.notBefore) {
    const nb = dateBound(q.notBefore, today);
    if (date < nb) date = nb;
  }
  if (q.notAfter) {
    const na = dateBound(q.notAfter, today);
    if (date > na) date = na;
  }
  return date;
}

/** Whether the question is on the page as shown (a question may have a condition). */
async function shown(page: Page, q: Question): Promise<boolean> {
  return (await page.locator(`[name="${q.id}"], [name^="${q.id}-"]`).count()) > 0;
}

async function answer(page: Page, q: Question): Promise<void> {
  const field = page.locator(`[name="${q.id}"]`);
  switch (q.type) {
    case 'text':
    case 'textarea':
      return field.fill('Test');
    case 'email':
      return field.fill('test@example.com');
    case 'phone':
      return field.fill('01632 960 001');
    case 'postcode':
      return field.fill('RF1 1AA');
    case 'number': {
      let n = q.min ?? 1;
      if (q.max !== undefined && n > q.max) n = q.max;
      return field.fill(String(n));
    }
    case 'money': {
      let pence = 1000;
      if (q.minPence !== undefined && pence < q.minPence) pence = q.minPence;
      if (q.maxPence !== undefined && pence > q.maxPence) pence = q.maxPence;
      return field.fill((pence / 100).toFixed(2));
    }
    case 'date': {
      const d = validDate(q);
      await page.locator(`[name="${q.id}-day"]`).fill(String(d.getUTCDate()));
      await page.locator(`[name="${q.id}-month"]`).fill(String(d.getUTCMonth() + 1));
      await page.locator(`[name="${q.id}-year"]`).fill(String(d.getUTCFullYear()));
      return;
    }
    case 'radios':
      return page.locator(`input[name="${q.id}"][value="${q.options[0]!.value}"]`).check();
    case 'select':
      await field.selectOption(q.options[0]!.value);
      return;
    case 'checkboxes': {
      const choices = q.options.filter((o) => !o.exclusive).slice(0, Math.max(1, q.minSelected ?? 1));
      for (const o of choices) await page.locator(`input[name="${q.id}"][value="${o.value}"]`).check();
      return;
    }
    case 'yesno':
      return page.locator(`input[name="${q.id}"][value="yes"]`).check();
    case 'declaration':
      return page.locator(`input[name="${q.id}"][value="yes"]`).check();
    case 'address': {
      const lookup = page.locator(`#${q.id}-lookup`);
      if (await lookup.count()) {
        // Typed by hand: open "Enter the address yourself"; the postcode is the search's.
        await lookup.fill('RF1 1AA');
        const details = page.locator('details', { has: page.locator(`[name="${q.id}-line1"]`) });
        if ((await details.getAttribute('open')) === null) {
          await details.locator('summary').click();
        }
      } else {
        await page.locator(`[name="${q.id}-postcode"]`).fill('RF1 1AA');
      }
      await page.locator(`[name="${q.id}-line1"]`).fill('1 Test Street');
      await page.locator(`[name="${q.id}-town"]`).fill('Riverford');
      return;
    }
    case 'file': {
      if (!q.required) return;
      const png = q.accept.some((a) => a === 'image/png' || a === 'image/*');
      const pdf = q.accept.includes('application/pdf');
      assert.ok(png || pdf, `a file the test can make for ${q.id} (accepts ${q.accept.join(', ')})`);
      await page
        .locator(`input[type="file"][name="${q.id}"]`)
        .setInputFiles(
          png
            ? { name: 'photo.png', mimeType: 'image/png', buffer: tinyPng() }
            : { name: 'letter.pdf', mimeType: 'application/pdf', buffer: tinyPdf },
        );
      return;
    }
  }
}

interface PublishedForm {
  council: Council;
  slug: string;
  definition: FormDefinition;
}

async function publishedForms(): Promise<PublishedForm[]> {
  return suite.app.app.services.db.query<PublishedForm>(
    `select distinct on (t.slug, f.slug) t.slug as council, f.slug, f.definition
       from form_definitions f join tenants t on t.id = f.tenant_id
      where f.status = 'published'
      order by t.slug, f.slug, f.version desc`,
  );
}

async function walk(
  opened: OpenedPage,
  { council, slug: formSlug, definition }: PublishedForm,
): Promise<void> {
  const { page } = opened;
  const base = `/forms/${formSlug}`;
  const name = (step: string) => `forms-walk-${council}-${formSlug}-${step}`;
  const service = await serviceStartingForm(council, formSlug);
  if (service) {
    await page.goto(suite.url(council, `/services/${service}`));
    await clickAndWait(page, page.getByRole('button', { name: /Start now/ }));
  } else {
    await page.goto(suite.url(council, base));
  }
  let showedAnError = false;
  for (let step = 0; step < 80; step++) {
    const at = path(page);
    if (at === `${base}/done`) {
      assert.match(
        text(await page.locator('strong.app-reference').textContent()),
        /^[A-Z]{2}-[0-9A-Z]{4}-[0-9A-Z]{4}$/,
      );
      await audit(opened, name('done'));
      return;
    }
    if (at === `${base}/check`) {
      await audit(opened, name('check'));
      await continueTo(page, `${base}/done`, 'Send');
      continue;
    }
    const pageId = at.slice(base.length + 1);
    const formPage = definition.pages.find((p) => p.id === pageId);
    assert.ok(formPage, `${at} is a page of the definition`);
    await audit(opened, name(pageId));
    const questions = [];
    for (const q of formPage.questions ?? []) if (await shown(page, q)) questions.push(q);
    // One error page per form: the first page with a required question, sent empty.
    if (!showedAnError && questions.some((q) => q.required !== false)) {
      await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(path(page), at, 'an empty page stays put');
      assert.notEqual(await errorSummary(page), '', `${at} sent empty shows an error summary`);
      await audit(opened, name(`${pageId}-error`));
      showedAnError = true;
    }
    for (const q of questions) await answer(page, q);
    const before = page.url();
    await clickAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
    assert.equal(await errorSummary(page), '', `${at} with valid answers shows errors`);
    assert.notEqual(page.url(), before, `${at} moves on`);
  }
  assert.fail(`${formSlug} did not reach its confirmation in 80 pages`);
}

test('every page of every published demo form, with valid answers, at 320px without JavaScript, passes axe', async (t) => {
  const forms = await publishedForms();
  assert.ok(
    forms.some((f) => f.council === 'riverford' && f.slug === slug),
    'the missed bin form is published',
  );
  for (const f of forms) {
    // "Add another" sections are not run by the runner yet: such a form is skipped, and says so.
    const repeats = f.definition.pages.some((p) => p.repeat);
    await t.test(
      `${f.council}: ${f.slug}`,
      { skip: repeats && 'uses repeat ("add another"), not run by the runner yet' },
      async () => {
        const opened = await guest(false);
        try {
          await walk(opened, f);
        } finally {
          await opened.close();
        }
      },
    );
  }
});

describe('save and come back later', () => {
  test('a guest saves, and carries on from the emailed link in another browser; the link works once', async () => {
    const first = await guest(false);
    const { page } = first;
    let link = '';
    try {
      await page.goto(suite.url('riverford', `${form}/address`));
      await page.getByLabel('Postcode', { exact: true }).fill('RF1 1AA');
      await clickAndWait(page, page.getByRole('button', { name: 'Find address' }));
      await page.locator('input[name="address-uprn"]').first().check();
      await continueTo(page, `${form}/bin-type`);
      await clickAndWait(page, page.getByRole('link', { name: 'Save and come back later' }));
      assert.equal(path(page), `${form}/save`);
      await audit(first, `forms-${slug}-nojs-320-save`);
      await page.getByLabel('Email address').fill('later@example.com');
      await continueTo(page, `${form}/saved`, 'Save and email me a link');
      assert.match(text(await page.locator('.govuk-panel').textContent()), /Your answers are saved/);
      await audit(first, `forms-${slug}-nojs-320-saved`);

      await runWorker();
      const mail = (await mailbox(page)).find((m) => m.to === 'later@example.com');
      assert.ok(mail, 'the link is emailed');
      link = /(\/forms\/resume\/[\w-]+)/.exec(mail.text)?.[1] ?? '';
      assert.ok(link, 'the email holds the link');
    } finally {
      await first.close();
    }

    const second = await guest(false);
    try {
      await second.page.goto(suite.url('riverford', link));
      assert.equal(path(second.page), `${form}/bin-type`, 'carries on from the first unanswered page');
      await clickAndWait(second.page, second.page.locator('.govuk-back-link'));
      assert.equal(path(second.page), `${form}/address`);
      assert.ok(
        await second.page.locator('input[name="address-uprn"]:checked').count(),
        'the address given is kept',
      );

      const again = await second.page.goto(suite.url('riverford', link));
      assert.equal(again?.status(), 410);
      assert.match(
        text(await second.page.locator('h1').textContent()),
        /This link has expired or has been used/,
      );
      await audit(second, `forms-${slug}-nojs-320-resume-used`);
    } finally {
      await second.close();
    }
  });
});
