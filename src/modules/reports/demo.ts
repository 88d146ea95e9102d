import sharp from 'sharp';
import type { Queryable } from '../../db/database.ts';
import type { FileStore } from '../../platform/files/file-store.ts';
import { generateDemoAddresses } from '../../platform/gazetteer/demo.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import { generateReference } from '../../platform/references/reference.ts';
import { defineForm } from '../forms/engine/index.ts';
import { type Bbox, bboxOf, type Geometry } from './geo.ts';
import { processPhoto } from './photos.ts';
import { type Category, upsertBoundary, upsertCategory } from './store.ts';

/**
 * Demo content for street reports: each council's boundary (drawn around the demo
 * gazetteer: Riverford's district inside Northshire's county), its categories with their
 * extra questions (form definitions run by the form engine), and 200 reports with
 * histories, photos and updates, the same every time (a seeded generator).
 */

export interface DemoCategory extends Omit<Category, 'backoffice' | 'formSlug'> {
  council: 'northshire' | 'riverford';
  /** The extra questions, as one page of a form definition. */
  questions: unknown[];
}

const purpose = (en: string, cy: string) => ({ en, cy });
const keep = { period: 'P2Y', from: 'case-closed' };

const radios = (
  id: string,
  label: LocalText,
  options: [string, LocalText][],
  why: LocalText,
  required = true,
) => ({
  id,
  type: 'radios',
  label,
  required,
  options: options.map(([value, l]) => ({ value, label: l })),
  purpose: why,
  retention: keep,
});

export const demoCategories: DemoCategory[] = [
  {
    council: 'northshire',
    code: 'pothole',
    name: { en: 'Pothole', cy: 'Twll yn y ffordd' },
    description: {
      en: 'A hole or broken surface in a road.',
      cy: 'Twll neu arwyneb wedi torri mewn ffordd.',
    },
    group: 'Roads',
    dueDays: 5,
    sort: 10,
    active: true,
    questions: [
      radios(
        'depth',
        { en: 'How deep is it?', cy: 'Pa mor ddwfn yw e?' },
        [
          ['shallow', { en: 'Less than 4 cm', cy: 'Llai na 4 cm' }],
          ['deep', { en: '4 cm or deeper', cy: '4 cm neu’n ddyfnach' }],
        ],
        purpose('To decide how quickly to repair it.', 'I benderfynu pa mor gyflym i’w drwsio.'),
      ),
    ],
  },
  {
    council: 'northshire',
    code: 'street-light',
    name: { en: 'Street light not working', cy: 'Golau stryd ddim yn gweithio' },
    description: {
      en: 'A street light that is off, on all day or flickering.',
      cy: 'Golau stryd sydd i ffwrdd, ymlaen drwy’r dydd neu’n fflachio.',
    },
    group: 'Roads',
    dueDays: 10,
    sort: 20,
    active: true,
    questions: [
      radios(
        'fault',
        { en: 'What is wrong with the light?', cy: 'Beth sydd o’i le ar y golau?' },
        [
          ['off', { en: 'It is off at night', cy: 'Mae i ffwrdd yn y nos' }],
          ['day', { en: 'It is on during the day', cy: 'Mae ymlaen yn ystod y dydd' }],
          ['flicker', { en: 'It flickers', cy: 'Mae’n fflachio' }],
        ],
        purpose('To send the right repair crew.', 'I anfon y criw trwsio cywir.'),
      ),
    ],
  },
  {
    council: 'northshire',
    code: 'pavement',
    name: { en: 'Damaged pavement', cy: 'Palmant wedi’i ddifrodi' },
    description: { en: 'Broken, uneven or loose paving.', cy: 'Palmant wedi torri, anwastad neu rydd.' },
    group: 'Roads',
    dueDays: 10,
    sort: 30,
    active: true,
    questions: [],
  },
  {
    council: 'riverford',
    code: 'bins',
    name: { en: 'Overflowing or damaged litter bin', cy: 'Bin sbwriel yn gorlifo neu wedi’i ddifrodi' },
    description: {
      en: 'A public litter bin that is full or broken.',
      cy: 'Bin sbwriel cyhoeddus sy’n llawn neu wedi torri.',
    },
    group: 'Streets',
    dueDays: 3,
    sort: 40,
    active: true,
    questions: [
      radios(
        'binProblem',
        { en: 'What is the problem?', cy: 'Beth yw’r broblem?' },
        [
          ['full', { en: 'It is full or overflowing', cy: 'Mae’n llawn neu’n gorlifo' }],
          ['damaged', { en: 'It is damaged', cy: 'Mae wedi’i ddifrodi' }],
        ],
        purpose(
          'To send a crew to empty or a fitter to repair it.',
          'I anfon criw i’w wagio neu osodwr i’w drwsio.',
        ),
      ),
    ],
  },
  {
    council: 'riverford',
    code: 'fly-tipping',
    name: { en: 'Fly-tipping', cy: 'Tipio anghyfreithlon' },
    description: { en: 'Rubbish dumped illegally.', cy: 'Sbwriel wedi’i adael yn anghyfreithlon.' },
    group: 'Streets',
    dueDays: 5,
    sort: 50,
    active: true,
    questions: [
      radios(
        'amount',
        { en: 'How much has been dumped?', cy: 'Faint sydd wedi’i adael?' },
        [
          ['bags', { en: 'A few bags', cy: 'Ychydig o fagiau' }],
          ['car', { en: 'A car boot load', cy: 'Llond cist car' }],
          ['van', { en: 'A van load or more', cy: 'Llond fan neu fwy' }],
        ],
        purpose('To send a vehicle big enough to clear it.', 'I anfon cerbyd digon mawr i’w glirio.'),
      ),
    ],
  },
  {
    council: 'riverford',
    code: 'graffiti',
    name: { en: 'Graffiti', cy: 'Graffiti' },
    description: { en: 'Graffiti on public property.', cy: 'Graffiti ar eiddo cyhoeddus.' },
    group: 'Streets',
    dueDays: 10,
    sort: 60,
    active: true,
    questions: [
      {
        id: 'offensive',
        type: 'yesno',
        label: { en: 'Is it offensive?', cy: 'A yw’n sarhaus?' },
        purpose: purpose(
          'Offensive graffiti is removed within 24 hours.',
          'Caiff graffiti sarhaus ei dynnu o fewn 24 awr.',
        ),
        retention: keep,
      },
    ],
  },
  {
    council: 'riverford',
    code: 'dog-fouling',
    name: { en: 'Dog fouling', cy: 'Baw cŵn' },
    description: { en: 'Dog mess on a street, path or park.', cy: 'Baw cŵn ar stryd, llwybr neu barc.' },
    group: 'Streets',
    dueDays: 5,
    sort: 70,
    active: true,
    questions: [],
  },
];

/** The category's extra questions as a form definition of the form engine. */
export function categoryForm(c: DemoCategory) {
  return defineForm({
    schemaVersion: 1,
    slug: `report-${c.code}`,
    title: c.name,
    checkAnswers: false,
    pages: [{ id: 'details', kind: 'question', questions: c.questions }],
    confirmation: {
      title: { en: 'Report sent', cy: 'Adroddiad wedi’i anfon' },
      body: {
        en: 'We will tell you when it is fixed.',
        cy: 'Byddwn yn rhoi gwybod i chi pan fydd wedi’i drwsio.',
      },
    },
  });
}

function rectangle(b: Bbox): Geometry {
  const ring: [number, number][] = [
    [b.minLng, b.minLat],
    [b.maxLng, b.minLat],
    [b.maxLng, b.maxLat],
    [b.minLng, b.maxLat],
    [b.minLng, b.minLat],
  ];
  return { type: 'Polygon', coordinates: [ring] };
}

/**
 * The demo boundaries, drawn around the demo gazetteer with a margin: Riverford round its
 * district's properties (RF postcodes), Northshire round every property.
 */
export function demoBoundaries(addresses = generateDemoAddresses()) {
  const box = (rows: { lat: number; lng: number }[], margin: number): Bbox => ({
    minLat: Math.min(...rows.map((r) => r.lat)) - margin,
    maxLat: Math.max(...rows.map((r) => r.lat)) + margin,
    minLng: Math.min(...rows.map((r) => r.lng)) - margin * 1.6,
    maxLng: Math.max(...rows.map((r) => r.lng)) + margin * 1.6,
  });
  const round = (b: Bbox): Bbox => ({
    minLat: Math.floor(b.minLat * 1000) / 1000,
    minLng: Math.floor(b.minLng * 1000) / 1000,
    maxLat: Math.ceil(b.maxLat * 1000) / 1000,
    maxLng: Math.ceil(b.maxLng * 1000) / 1000,
  });
  return {
    riverford: {
      code: 'riverford-district',
      name: 'Riverford District',
      geometry: rectangle(
        round(
          box(
            addresses.filter((a) => a.inRiverford),
            0.004,
          ),
        ),
      ),
    },
    northshire: {
      code: 'northshire-county',
      name: 'Northshire County',
      geometry: rectangle(round(box(addresses, 0.03))),
    },
  };
}

/** The demo boundaries as a GeoJSON FeatureCollection, the shape `import:boundaries` reads. */
export function demoBoundariesGeoJson() {
  const b = demoBoundaries();
  return {
    type: 'FeatureCollection',
    features: (['northshire', 'riverford'] as const).map((council) => ({
      type: 'Feature',
      properties: { council, code: b[council].code, name: b[council].name },
      geometry: b[council].geometry,
    })),
  };
}

export async function seedCategoriesAndBoundaries(tx: Queryable): Promise<void> {
  const boundaries = demoBoundaries();
  for (const council of ['northshire', 'riverford'] as const) {
    const [tenant] = await tx.query<{ id: string }>('select id from tenants where slug = $1', [council]);
    if (!tenant) continue;
    const b = boundaries[council];
    await upsertBoundary(tx, tenant.id, { ...b, bbox: bboxOf(b.geometry) });
    for (const c of demoCategories.filter((d) => d.council === council)) {
      // A category without extra questions has no form.
      const form = c.questions.length ? categoryForm(c) : undefined;
      if (form) {
        await tx.query(
          `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
           values ($1, $2, 1, $3, 'published', now()) on conflict (tenant_id, slug, version) do nothing`,
          [tenant.id, form.slug, JSON.stringify(form)],
        );
      }
      // A category staff have since changed is left as they made it.
      const exists = await tx.query('select 1 from report_categories where tenant_id = $1 and code = $2', [
        tenant.id,
        c.code,
      ]);
      if (!exists.length) await upsertCategory(tx, tenant.id, { ...c, formSlug: form?.slug ?? null });
    }
  }
}

// ---------------------------------------------------------------------------------------
// 200 demo reports

function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const titles: Record<string, string[]> = {
  pothole: [
    'Deep pothole by the kerb',
    'Pothole in the middle of the road',
    'Cluster of potholes',
    'Sunken road surface',
  ],
  'street-light': ['Street light out', 'Light on all day', 'Flickering street light'],
  pavement: ['Loose paving slab', 'Cracked pavement', 'Raised slab, trip hazard'],
  bins: ['Litter bin overflowing', 'Broken litter bin', 'Bin full for days'],
  'fly-tipping': ['Mattress dumped', 'Bags of rubbish dumped', 'Builders’ waste dumped'],
  graffiti: ['Graffiti on bus shelter', 'Graffiti on wall', 'Tags on the underpass'],
  'dog-fouling': ['Dog mess on path', 'Dog fouling by the school gate'],
};
const firstNames = ['Alex', 'Sam', 'Priya', 'Owen', 'Megan', 'Tom', 'Aisha', 'Rhys', 'Chloe', 'Dylan'];
const lastNames = ['Jones', 'Patel', 'Evans', 'Smith', 'Hughes', 'Khan', 'Davies', 'Brown'];
const colours = ['#5b5b5b', '#3d6b8a', '#7a5c3e', '#4a7a4a', '#8a3d3d'];

/** A simple generated "photo": a coloured ground with a darker blot, made by sharp. */
export async function demoPhoto(n: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="${colours[n % colours.length]}"/><ellipse cx="${200 + (n % 7) * 40}" cy="${220 + (n % 5) * 20}" rx="120" ry="70" fill="#222" opacity="0.7"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 70 }).toBuffer();
}

/**
 * Writes the demo reports straight into each council (the seed knows who is responsible:
 * the area service's answer for the demo boundaries), in a few set-based statements per
 * council rather than a score per report: first start-up stays quick. Photos need the file
 * store, which a seed run for a test image does not have: then the reports have none.
 */
export async function seedDemoReports(tx: Queryable, files?: FileStore): Promise<void> {
  const rnd = seeded(20260101);
  const bytes = (size: number) => Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)));
  const addresses = generateDemoAddresses();
  const inRiverford = addresses.filter((a) => a.inRiverford);
  const tenants = new Map<string, { id: string; slug: string; prefix: string }>();
  for (const row of await tx.query<{ id: string; slug: string; prefix: string }>(
    'select id, slug, prefix from tenants',
  ))
    tenants.set(row.slug, row);
  const base = Date.UTC(2026, 0, 5);
  type Row = {
    key: string;
    reference: string;
    category: string;
    title: string;
    description: string;
    lat: number;
    lng: number;
    address_text: string;
    name: string;
    email: string;
    hide_name: boolean;
    made_on: string;
    created_at: string;
    due_at: string;
    photo: boolean;
    updates: { status: string; description: string; at: string }[];
  };
  const byCouncil = new Map<string, Row[]>();
  for (let i = 0; i < 200; i++) {
    const category = demoCategories[Math.floor(rnd() * demoCategories.length)]!;
    const tenant = tenants.get(category.council);
    const pool = category.council === 'riverford' ? inRiverford : addresses;
    const address = pool[Math.floor(rnd() * pool.length)]!;
    const options = titles[category.code]!;
    const title = options[Math.floor(rnd() * options.length)]!;
    const created = base + Math.floor(rnd() * 300) * 86_400_000 + Math.floor(rnd() * 50_000_000);
    const name = `${firstNames[Math.floor(rnd() * firstNames.length)]} ${lastNames[Math.floor(rnd() * lastNames.length)]}`;
    const street = address.line2 ?? address.line1.replace(/^\d+\s+/, '');
    const lat = Math.round((address.lat + (rnd() - 0.5) * 0.0004) * 1e6) / 1e6;
    const lng = Math.round((address.lng + (rnd() - 0.5) * 0.0006) * 1e6) / 1e6;
    const reference = tenant ? generateReference(tenant.prefix, bytes) : '';
    const hide = rnd() < 0.3;
    const madeOn = rnd() < 0.5 ? 'northshire' : 'riverford';
    // A history: most reports move on; some are fixed, a few closed.
    const steps = Math.floor(rnd() * 3);
    const end = rnd() < 0.8;
    const path: [string, string][] = [
      ['in-progress', 'An inspector has been sent.'],
      end
        ? ['completed', 'This has been fixed. Thank you for reporting it.']
        : ['closed', 'This is not something we can act on.'],
    ];
    if (!tenant) continue;
    const list = byCouncil.get(tenant.slug) ?? [];
    byCouncil.set(tenant.slug, list);
    list.push({
      key: `demo-report-${i + 1}`,
      reference,
      category: category.code,
      title,
      description: `${title} on ${street}, ${address.town}. Reported for the demo.`,
      lat,
      lng,
      address_text: `Near ${street}, ${address.town}, ${address.postcode}`,
      name,
      email: `resident${i + 1}@example.com`,
      hide_name: hide,
      made_on: madeOn,
      created_at: new Date(created).toISOString(),
      due_at: new Date(created + category.dueDays * 86_400_000).toISOString(),
      photo: i % 3 === 0,
      updates: path.slice(0, steps).map(([status, description], s) => ({
        status,
        description,
        at: new Date(created + (s + 1) * 2 * 86_400_000).toISOString(),
      })),
    });
  }
  const photos = files
    ? await Promise.all([0, 1, 2, 3, 4].map(async (n) => processPhoto(await demoPhoto(n))))
    : [];

  for (const [slug, rows] of byCouncil) {
    const tenant = tenants.get(slug)!;
    const done = await tx.query(
      `select 1 from cases where tenant_id = $1 and submission_key like 'demo-report-%' limit 1`,
      [tenant.id],
    );
    if (done.length) continue;
    const data = JSON.stringify(rows);
    // The cases, their submissions and the interactions on the timeline (as recordSubmission makes them).
    await tx.query(
      `with r as (select * from jsonb_to_recordset($2::jsonb) as r(key text, reference text, category text, title text,
                    email text, created_at timestamptz, due_at timestamptz, updates jsonb)),
            made as (
              insert into cases (tenant_id, reference, form_slug, form_version, queue, due_at, submission_key, status,
                                 created_at, updated_at)
              select $1, reference, 'report-' || category, 1, 'reports:' || category, due_at, key,
                     coalesce(updates -> -1 ->> 'status', 'received'), created_at,
                     coalesce((updates -> -1 ->> 'at')::timestamptz, created_at)
                from r returning id, submission_key),
            sub as (
              insert into submissions (tenant_id, case_id, answers, email, channel, submitted_at)
              select $1, made.id, jsonb_build_object('category', r.category, 'title', r.title), r.email, 'web', r.created_at
                from made join r on r.key = made.submission_key returning case_id)
       insert into interactions (tenant_id, channel, kind, case_id, email, summary, occurred_at)
       select $1, 'web', 'submission', made.id, r.email, r.title, r.created_at from made join r on r.key = made.submission_key`,
      [tenant.id, data],
    );
    await tx.query(
      `with r as (select * from jsonb_to_recordset($2::jsonb) as r(key text, reference text, category text, title text,
                    description text, lat double precision, lng double precision, address_text text, name text, email text,
                    hide_name boolean, made_on text, created_at timestamptz))
       insert into reports (tenant_id, case_id, reference, category, title, original_title, description, lat, lng,
                            address_text, name, email, hide_name, made_on, channel, created_at, updated_at)
       select $1, c.id, r.reference, r.category, r.title, r.title, r.description, r.lat, r.lng, r.address_text, r.name,
              r.email, r.hide_name, r.made_on, 'web', r.created_at, r.created_at
         from r join cases c on c.tenant_id = $1 and c.submission_key = r.key`,
      [tenant.id, data],
    );
    await tx.query(
      `insert into report_followers (tenant_id, case_id, email, confirmed_at)
       select tenant_id, case_id, email, created_at from reports where tenant_id = $1 and email like 'resident%@example.com'
       on conflict do nothing`,
      [tenant.id],
    );
    // Status history: "received" at the start, then each update, on /track and the report's page.
    await tx.query(
      `with r as (select * from jsonb_to_recordset($2::jsonb) as r(key text, created_at timestamptz, updates jsonb)),
            c as (select r.*, cases.id as case_id from r join cases on cases.tenant_id = $1 and cases.submission_key = r.key),
            first as (insert into case_updates (tenant_id, case_id, status, created_at)
                      select $1, case_id, 'received', created_at from c returning 1),
            u as (select c.case_id, x.status, x.description, x.at
                    from c, jsonb_to_recordset(c.updates) as x(status text, description text, at timestamptz)),
            hist as (insert into case_updates (tenant_id, case_id, status, public_note, created_at)
                     select $1, case_id, status, jsonb_build_object('en', description), at from u returning 1)
       insert into report_updates (tenant_id, case_id, source, status, description, created_at)
       select $1, case_id, 'staff', status, description, at from u`,
      [tenant.id, data],
    );
    if (!files) continue;
    const stored: { full_id: string; thumb_id: string; width: number; height: number }[] = [];
    for (const [n, photo] of photos.entries()) {
      if ('problem' in photo) continue;
      const full = await files.put(
        tenant.id,
        photo.full,
        { filename: `photo-${n + 1}.jpg`, contentType: 'image/jpeg' },
        tx,
      );
      const thumb = await files.put(
        tenant.id,
        photo.thumb,
        { filename: `thumb-${n + 1}.jpg`, contentType: 'image/jpeg' },
        tx,
      );
      stored.push({ full_id: full.id, thumb_id: thumb.id, width: photo.width, height: photo.height });
    }
    const withPhotos = rows
      .filter((r) => r.photo)
      .map((r, n) => ({ key: r.key, ...stored[n % stored.length]! }));
    await tx.query(
      `insert into report_photos (tenant_id, case_id, position, file_id, thumb_file_id, width, height)
       select $1, c.id, 0, p.full_id::uuid, p.thumb_id::uuid, p.width, p.height
         from jsonb_to_recordset($2::jsonb) as p(key text, full_id text, thumb_id text, width int, height int)
         join cases c on c.tenant_id = $1 and c.submission_key = p.key`,
      [tenant.id, JSON.stringify(withPhotos)],
    );
  }
}
