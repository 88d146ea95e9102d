import sharp from 'sharp';
import type { Queryable } from '../../db/database.ts';
import type { FileStore } from '../../platform/files/file-store.ts';
import { generateDemoAddresses } from '../../platform/gazetteer/demo.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import { recordSubmission, updateCaseStatus } from '../cases/service.ts';
import { defineForm } from '../forms/engine/index.ts';
import { type Bbox, bboxOf, type Geometry } from './geo.ts';
import { processPhoto } from './photos.ts';
import {
  addFollower,
  type Category,
  insertPhoto,
  insertReport,
  insertUpdate,
  upsertBoundary,
  upsertCategory,
} from './store.ts';

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
 * the area service's answer for the demo boundaries). Photos need the file store, which a
 * seed run for a test image does not have: then the reports have none.
 */
export async function seedDemoReports(tx: Queryable, files?: FileStore): Promise<void> {
  const rnd = seeded(20260101);
  const bytes = (size: number) => Buffer.from(Array.from({ length: size }, () => Math.floor(rnd() * 256)));
  const addresses = generateDemoAddresses();
  const tenants = new Map<string, { id: string; slug: string; prefix: string }>();
  for (const row of await tx.query<{ id: string; slug: string; prefix: string }>(
    'select id, slug, prefix from tenants',
  ))
    tenants.set(row.slug, row);
  const base = Date.UTC(2026, 0, 5);
  for (let i = 0; i < 200; i++) {
    const category = demoCategories[Math.floor(rnd() * demoCategories.length)]!;
    const tenant = tenants.get(category.council);
    if (!tenant) continue;
    const pool = category.council === 'riverford' ? addresses.filter((a) => a.inRiverford) : addresses;
    const address = pool[Math.floor(rnd() * pool.length)]!;
    const lat = Math.round((address.lat + (rnd() - 0.5) * 0.0004) * 1e6) / 1e6;
    const lng = Math.round((address.lng + (rnd() - 0.5) * 0.0006) * 1e6) / 1e6;
    const options = titles[category.code]!;
    const title = options[Math.floor(rnd() * options.length)]!;
    const createdAt = new Date(base + Math.floor(rnd() * 300) * 86_400_000 + Math.floor(rnd() * 50_000_000));
    const name = `${firstNames[Math.floor(rnd() * firstNames.length)]} ${lastNames[Math.floor(rnd() * lastNames.length)]}`;
    const email = `resident${i + 1}@example.com`;
    const key = `demo-report-${i + 1}`;
    const street = address.line2 ?? address.line1.replace(/^\d+\s+/, '');
    const { case: row, created } = await recordSubmission(tx, {
      tenant: tenant as never,
      serviceSlug: null,
      formSlug: `report-${category.code}`,
      formVersion: 1,
      queue: `reports:${category.code}`,
      dueAt: new Date(createdAt.getTime() + category.dueDays * 86_400_000),
      submissionKey: key,
      answers: { category: category.code, title },
      assessments: [],
      email,
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: title,
      random: bytes,
    });
    if (!created) continue;
    await tx.query('update cases set created_at = $3 where tenant_id = $1 and id = $2', [
      tenant.id,
      row.id,
      createdAt,
    ]);
    await tx.query('update case_updates set created_at = $3 where tenant_id = $1 and case_id = $2', [
      tenant.id,
      row.id,
      createdAt,
    ]);
    await insertReport(tx, tenant.id, {
      caseId: row.id,
      reference: row.reference,
      category: category.code,
      title,
      description: `${title} on ${street}, ${address.town}. Reported for the demo.`,
      lat,
      lng,
      uprn: null,
      addressText: `Near ${street}, ${address.town}, ${address.postcode}`,
      name,
      email,
      phone: null,
      hideName: rnd() < 0.3,
      extra: {},
      madeOn: rnd() < 0.5 ? 'northshire' : 'riverford',
      channel: 'web',
      externalId: null,
      createdAt,
    });
    await addFollower(tx, tenant.id, row.id, email, true);
    if (files && i % 3 === 0) {
      const photo = await processPhoto(await demoPhoto(i));
      if (!('problem' in photo)) {
        const full = await files.put(
          tenant.id,
          photo.full,
          { filename: 'photo-1.jpg', contentType: 'image/jpeg' },
          tx,
        );
        const thumb = await files.put(
          tenant.id,
          photo.thumb,
          { filename: 'thumb-1.jpg', contentType: 'image/jpeg' },
          tx,
        );
        await insertPhoto(tx, tenant.id, row.id, {
          position: 0,
          fileId: full.id,
          thumbFileId: thumb.id,
          width: photo.width,
          height: photo.height,
        });
      }
    }
    // A history: most reports move on; some are fixed, a few closed.
    const steps = Math.floor(rnd() * 3);
    const path: [string, string][] = [
      ['in-progress', 'An inspector has been sent.'],
      [
        rnd() < 0.8 ? 'completed' : 'closed',
        rnd() < 0.8
          ? 'This has been fixed. Thank you for reporting it.'
          : 'This is not something we can act on.',
      ],
    ];
    for (let s = 0; s < steps; s++) {
      const [status, description] = path[s]!;
      const at = new Date(createdAt.getTime() + (s + 1) * 2 * 86_400_000);
      await insertUpdate(tx, tenant.id, { caseId: row.id, source: 'staff', status, description, at });
      await updateCaseStatus(tx, tenant.id, row.id, status, { en: description });
      await tx.query(
        `update case_updates set created_at = $3 where tenant_id = $1 and id = (select max(id) from case_updates where tenant_id = $1 and case_id = $2)`,
        [tenant.id, row.id, at],
      );
      await tx.query('update cases set updated_at = $3 where tenant_id = $1 and id = $2', [
        tenant.id,
        row.id,
        at,
      ]);
    }
  }
}
