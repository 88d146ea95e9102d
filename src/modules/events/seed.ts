import type { Seed } from '../../platform/seeds/seeds.ts';
import { fromLondon, londonDate } from '../catalogue/london-time.ts';

const day = 24 * 3600_000;

/** 18:30 London time on a Wednesday about `weeks` weeks from now (negative: in the past). */
function wednesdayEvening(weeks: number): Date {
  const base = new Date(Date.now() + weeks * 7 * day);
  const [y, m, d] = londonDate(base).split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const shift = (3 - weekday + 7) % 7;
  const wednesday = new Date(Date.UTC(y, m - 1, d + shift));
  return fromLondon(
    wednesday.getUTCFullYear(),
    wednesday.getUTCMonth() + 1,
    wednesday.getUTCDate(),
    '18:30',
  )!;
}

/**
 * Each council's waste partnership group (a standing stakeholder group of CRM people and an
 * organisation), its next meeting open for registration at /events/waste-partnership-meeting,
 * an earlier meeting, and its terms of reference. Ids derive from the council, so running
 * it again adds nothing; the meeting is dated from the day the seed first runs.
 */
export const eventsSeed: Seed = {
  module: 'events',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string; slug: string; name: { en: string; cy?: string } }>(
      `select id, slug, name from tenants where slug in ('northshire', 'riverford') order by slug`,
    );
    for (const council of councils) {
      const place = council.slug === 'riverford' ? 'Riverford' : 'Northshire';
      const [group] = await tx.query<{ id: string }>(
        `insert into stakeholder_groups (tenant_id, id, slug, name, description, open_to_requests)
         values ($1, md5($2)::uuid, 'waste-partnership', $3, $4, true)
         on conflict do nothing returning id`,
        [
          council.id,
          `${council.id}:group:waste-partnership`,
          JSON.stringify({ en: 'Waste partnership group', cy: 'Grŵp partneriaeth gwastraff' }),
          JSON.stringify({
            en: `Community groups, businesses and residents who help ${place} reduce, reuse and recycle. The group meets every two months to advise on collections, recycling centres and the waste strategy.`,
            cy: `Grwpiau cymunedol, busnesau a thrigolion sy’n helpu ${place} i leihau, ailddefnyddio ac ailgylchu. Mae’r grŵp yn cwrdd bob deufis i gynghori ar gasgliadau, canolfannau ailgylchu a’r strategaeth wastraff.`,
          }),
        ],
      );
      if (!group) continue;
      // Members: the first demo organisation (reached through its contact) and three people.
      await tx.query(
        `insert into group_members (tenant_id, group_id, organisation_id)
         select $1, $2, id from organisations where tenant_id = $1 and id = md5($3)::uuid
         on conflict do nothing`,
        [council.id, group.id, `${council.id}:org:0`],
      );
      for (const n of [1, 4, 10])
        await tx.query(
          `insert into group_members (tenant_id, group_id, person_id)
           select $1, $2, id from people where tenant_id = $1 and id = md5($3)::uuid
           on conflict do nothing`,
          [council.id, group.id, `${council.id}:person:${n}`],
        );
      await tx.query(
        `insert into group_documents (tenant_id, group_id, title, url) values ($1, $2, $3, $4)`,
        [
          council.id,
          group.id,
          JSON.stringify({
            en: 'Next meeting: agenda and how to take part',
            cy: 'Cyfarfod nesaf: agenda a sut i gymryd rhan',
          }),
          '/events/waste-partnership-meeting',
        ],
      );
      const meeting = (when: Date, slug: string, title: { en: string; cy: string }) =>
        tx.query(
          `insert into events (tenant_id, id, slug, title, description, starts_at, ends_at, format, visibility, venue,
             access_info, meeting_url, capacity, group_id)
           values ($1, md5($2)::uuid, $3, $4, $5, $6, $7, 'hybrid', 'public', $8, $9, $10, 30, $11)
           on conflict do nothing`,
          [
            council.id,
            `${council.id}:event:${slug}`,
            slug,
            JSON.stringify(title),
            JSON.stringify({
              en: 'An open meeting of the waste partnership group: this time, food waste collections and the new recycling centre opening hours. Everyone is welcome, in the room or online.',
              cy: 'Cyfarfod agored o’r grŵp partneriaeth gwastraff: y tro hwn, casgliadau gwastraff bwyd ac oriau agor newydd y ganolfan ailgylchu. Croeso i bawb, yn yr ystafell neu ar-lein.',
            }),
            when,
            new Date(when.getTime() + 2 * 3600_000),
            JSON.stringify({
              en: `Council Chamber, ${place} Civic Centre, High Street`,
              cy: `Siambr y Cyngor, Canolfan Ddinesig ${place}, Stryd Fawr`,
            }),
            JSON.stringify({
              en: 'Step-free entrance from the car park, a hearing loop in the chamber and an accessible toilet on the ground floor. Tea, coffee and a light supper are provided.',
              cy: 'Mynedfa heb risiau o’r maes parcio, dolen sain yn y siambr a thoiled hygyrch ar y llawr gwaelod. Darperir te, coffi a swper ysgafn.',
            }),
            `https://meet.example.org/${council.slug}-waste-partnership`,
            group.id,
          ],
        );
      await meeting(wednesdayEvening(3), 'waste-partnership-meeting', {
        en: 'Waste partnership group meeting',
        cy: 'Cyfarfod y grŵp partneriaeth gwastraff',
      });
      await meeting(wednesdayEvening(-6), 'waste-partnership-meeting-previous', {
        en: 'Waste partnership group meeting (previous)',
        cy: 'Cyfarfod y grŵp partneriaeth gwastraff (blaenorol)',
      });
    }
  },
};
