import type { Seed } from '../../platform/seeds/seeds.ts';
import { type ScheduleEntry, upsertScheduleEntry, upsertTeam } from './store.ts';

/** A starting retention schedule: the purposes most council forms collect data for. */
export const demoSchedule: ScheduleEntry[] = [
  {
    slug: 'deal-with-request',
    purpose: { en: 'To deal with your request', cy: 'I ddelio â’ch cais' },
    period: 'P2Y',
    starts: 'case-closed',
    retired: false,
  },
  {
    slug: 'contact-you',
    purpose: { en: 'To contact you about your request', cy: 'I gysylltu â chi am eich cais' },
    period: 'P1Y',
    starts: 'case-closed',
    retired: false,
  },
  {
    slug: 'evidence',
    purpose: { en: 'As evidence for your request', cy: 'Fel tystiolaeth ar gyfer eich cais' },
    period: 'P6M',
    starts: 'case-closed',
    retired: false,
  },
  {
    slug: 'find-the-place',
    purpose: {
      en: 'To find the place you told us about',
      cy: 'I ddod o hyd i’r lle y dywedoch wrthym amdano',
    },
    period: 'P1Y',
    starts: 'submitted',
    retired: false,
  },
  {
    slug: 'decide-eligibility',
    purpose: {
      en: 'To decide whether you can get this service',
      cy: 'I benderfynu a allwch gael y gwasanaeth hwn',
    },
    period: 'P6Y',
    starts: 'case-closed',
    retired: false,
  },
];

export const settingsSeed: Seed = {
  module: 'settings',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string; slug: string }>(
      `select id, slug from tenants where slug in ('northshire', 'riverford')`,
    );
    for (const council of councils) {
      for (const entry of demoSchedule) await upsertScheduleEntry(tx, council.id, entry);
      await upsertTeam(tx, council.id, {
        slug: 'customer-services',
        name: { en: 'Customer services', cy: 'Gwasanaethau cwsmeriaid' },
        email: `customer.services@${council.slug}.example`,
        queue: true,
      });
    }
  },
};
