import type { Queryable } from '../../db/database.ts';
import type { Seed } from '../seeds/seeds.ts';
import type { Address } from './store.ts';
import { upsertAddresses } from './store.ts';

/**
 * The demo gazetteer: a few thousand plausible, generated addresses over one area, the same
 * every time. Northshire County Council covers the whole area; Riverford District Council
 * covers its district within it (postcodes RF…), so each Riverford property is in both
 * councils' gazetteers under the same UPRN, and the NS… postcodes are Northshire's alone.
 *
 * Sample postcodes: RF1 1AA (High Street, Riverford), RF2 3BB (Bridge Road, Riverford, with
 * the Civic Centre), RF3 1AA (Millbrook), NS1 1AA (Market Street, Northbridge, with County
 * Hall; outside Riverford), NS3 1AA (Hartwell).
 */

export interface DemoAddress extends Address {
  /** Whether the property is in Riverford district (and so in Riverford's gazetteer). */
  inRiverford: boolean;
}

interface TownSpec {
  town: string;
  /** Postcode district, e.g. "RF1". */
  district: string;
  centre: [number, number];
  streets: number;
  /** Riverford's ward, or undefined outside Riverford district. */
  ward?: string;
  /** Northshire's electoral division. */
  division: string;
  recyclingCentre: string;
  /** Streets placed first, so that their first postcode is sector 1, unit AA. */
  leading?: { street: string; named?: string[]; houses: number }[];
  /** Streets given a postcode of their own, kept out of the sequence. */
  fixed?: { street: string; postcode: string; named?: string[]; houses: number }[];
  village?: boolean;
}

const riverfordHwrc = 'Riverford Household Waste Recycling Centre, Mill Lane';
const northbridgeHwrc = 'Northbridge Household Waste Recycling Centre, Canal Road';
const westHwrc = 'Westcombe Household Waste Recycling Centre, Quarry Road';

const towns: TownSpec[] = [
  {
    town: 'Riverford',
    district: 'RF1',
    centre: [52.1812, -1.1804],
    streets: 26,
    ward: 'Riverford Central',
    division: 'Riverford North',
    recyclingCentre: riverfordHwrc,
    leading: [{ street: 'High Street', houses: 64 }],
  },
  {
    town: 'Riverford',
    district: 'RF2',
    centre: [52.1678, -1.1652],
    streets: 24,
    ward: 'Bridgeside',
    division: 'Riverford South',
    recyclingCentre: riverfordHwrc,
    fixed: [{ street: 'Bridge Road', postcode: 'RF2 3BB', named: ['The Civic Centre'], houses: 14 }],
  },
  {
    town: 'Millbrook',
    district: 'RF3',
    centre: [52.2304, -1.1213],
    streets: 14,
    ward: 'Millbrook',
    division: 'Riverford Rural East',
    recyclingCentre: riverfordHwrc,
    village: true,
  },
  {
    town: 'Ashford Green',
    district: 'RF4',
    centre: [52.1196, -1.2318],
    streets: 12,
    ward: 'Ashford Green',
    division: 'Riverford Rural West',
    recyclingCentre: riverfordHwrc,
    village: true,
  },
  {
    town: 'Kingsmead',
    district: 'RF5',
    centre: [52.2611, -1.2097],
    streets: 14,
    ward: 'Kingsmead and Oakley',
    division: 'Riverford Rural East',
    recyclingCentre: riverfordHwrc,
    village: true,
  },
  {
    town: 'Northbridge',
    district: 'NS1',
    centre: [52.3307, -1.5196],
    streets: 24,
    division: 'Northbridge Central',
    recyclingCentre: northbridgeHwrc,
    leading: [{ street: 'Market Street', named: ['County Hall'], houses: 40 }],
  },
  {
    town: 'Northbridge',
    district: 'NS2',
    centre: [52.3452, -1.5003],
    streets: 20,
    division: 'Northbridge East',
    recyclingCentre: northbridgeHwrc,
  },
  {
    town: 'Hartwell',
    district: 'NS3',
    centre: [52.2498, -1.6021],
    streets: 14,
    division: 'Hartwell and Fenby',
    recyclingCentre: westHwrc,
    village: true,
  },
  {
    town: 'Elmstead',
    district: 'NS4',
    centre: [52.0803, -1.4487],
    streets: 12,
    division: 'Elmstead',
    recyclingCentre: westHwrc,
    village: true,
  },
  {
    town: 'Stoneley',
    district: 'NS5',
    centre: [52.4012, -1.3044],
    streets: 12,
    division: 'Stoneley and the Wolds',
    recyclingCentre: northbridgeHwrc,
    village: true,
  },
  {
    town: 'Westcombe',
    district: 'NS6',
    centre: [52.1497, -1.6985],
    streets: 14,
    division: 'Westcombe',
    recyclingCentre: westHwrc,
  },
];

const streetBases = (
  'Mill,Church,Station,Park,Victoria,Albert,Queens,Kings,Oak,Elm,Ash,Willow,Beech,Cedar,' +
  'Chestnut,Orchard,Meadow,Brook,River,Manor,Grange,Abbey,Priory,Castle,Windmill,Chapel,' +
  'School,Green,Hill,Spring,Well,Farm,Cherry,Hawthorn,Holly,Laurel,Maple,Rowan,Sycamore,' +
  'Poplar,Larch,Heather,Primrose,Bluebell,Foxglove,Kestrel,Heron,Kingfisher,Swallow,Wren,' +
  "Falcon,St Mary's,St John's,St Peter's,Cromwell,Nelson,Wellington,Jubilee,Coronation," +
  'Fairfield,Highfield,Hazel,Alder,Juniper,Lavender,Clover,Linden,Canal,Quarry,Tannery,' +
  'Malthouse,Wharf,Forge,Rectory,Vicarage,Glebe'
).split(',');
const streetTypes = (
  'Road,Street,Lane,Close,Avenue,Drive,Way,Crescent,Gardens,Place,Grove,Court,Rise,View,' +
  'Terrace,Walk,Mews'
).split(',');
const houseNames = (
  'Rose Cottage,Ivy Cottage,The Old Forge,The Old School House,Orchard House,Meadow View,' +
  'The Barn,Willow Cottage,Stable Cottage,The Old Post Office,Brook House,Hillside,' +
  'The Coach House,Laurel Cottage,Yew Tree Cottage,The Granary'
).split(',');

/** Unit letters Royal Mail uses in the inward code. */
const unitLetters = 'ABDEFGHJLNPQRSTUWXYZ';
const unitsPerSector = 24;

/** A small, fast, seeded random number generator (mulberry32), so the gazetteer never changes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ISO weekday codes of the bin rounds, Monday to Friday. */
export const roundDays = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;

/** Every demo address of the area, with Riverford's and Northshire's facts. Deterministic. */
export function generateDemoAddresses(): DemoAddress[] {
  const rnd = random(20261224);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const between = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const out: DemoAddress[] = [];
  let serial = 0;
  // 12 digits, no leading zero, unique: like the UPRNs a local authority allocates.
  const nextUprn = () => String(100_070_000_000 + ++serial * 37);

  for (const [townIndex, spec] of towns.entries()) {
    const inRiverford = spec.district.startsWith('RF');
    const used = new Set([...(spec.leading ?? []), ...(spec.fixed ?? [])].map((s) => s.street));
    const streets: { street: string; named: string[]; houses: number; postcode?: string }[] = [
      ...(spec.leading ?? []).map((s) => ({ named: [], ...s })),
    ];
    while (streets.length < spec.streets + (spec.leading?.length ?? 0)) {
      const street = `${pick(streetBases)} ${pick(streetTypes)}`;
      if (used.has(street)) continue;
      used.add(street);
      const named = spec.village && rnd() < 0.5 ? [pick(houseNames), pick(houseNames)] : [];
      streets.push({
        street,
        named: [...new Set(named)],
        houses: street.endsWith('Court')
          ? between(6, 18)
          : between(spec.village ? 6 : 12, spec.village ? 30 : 70),
      });
    }
    streets.push(...(spec.fixed ?? []).map((s) => ({ named: [], ...s })));
    const reserved = new Set((spec.fixed ?? []).map((s) => s.postcode));

    let unit = 0;
    const nextPostcode = () => {
      for (;;) {
        const sector = 1 + Math.floor(unit / unitsPerSector);
        const index = unit % unitsPerSector;
        unit++;
        const code = `${spec.district} ${sector}${unitLetters[Math.floor(index / unitLetters.length)]}${unitLetters[index % unitLetters.length]}`;
        if (!reserved.has(code)) return code;
      }
    };

    for (const [streetIndex, s] of streets.entries()) {
      // Each street runs from near the town centre in its own direction, about 15 m a house.
      const angle = rnd() * Math.PI * 2;
      const start = 0.002 + rnd() * (spec.village ? 0.006 : 0.014);
      const [lat0, lng0] = spec.centre;
      const lines: { line1: string; line2: string | null }[] = [
        ...s.named.map((name) => ({ line1: name, line2: s.street })),
        ...Array.from({ length: s.houses }, (_, i) =>
          s.street.endsWith('Court')
            ? { line1: `Flat ${i + 1}`, line2: s.street }
            : { line1: `${i + 1} ${s.street}`, line2: null },
        ),
      ];
      let postcode = s.postcode ?? nextPostcode();
      let inUnit = 0;
      let unitSize = s.postcode ? lines.length : between(8, 18);
      let round = roundFor(townIndex, streetIndex, unit);
      for (const [i, line] of lines.entries()) {
        if (inUnit === unitSize) {
          postcode = nextPostcode();
          inUnit = 0;
          unitSize = between(8, 18);
          round = roundFor(townIndex, streetIndex, unit);
        }
        inUnit++;
        const along = start + i * 0.00014;
        const side = (i % 2 ? 1 : -1) * 0.00012;
        const lat = lat0 + Math.sin(angle) * along + Math.cos(angle) * side;
        const lng = lng0 + (Math.cos(angle) * along - Math.sin(angle) * side) * 1.6;
        const isOffice = line.line1 === 'The Civic Centre' || line.line1 === 'County Hall';
        out.push({
          uprn: nextUprn(),
          line1: line.line1,
          line2: line.line2,
          town: spec.town,
          postcode,
          lat: Math.round(lat * 1e6) / 1e6,
          lng: Math.round(lng * 1e6) / 1e6,
          inRiverford,
          facts: {
            ...(inRiverford && !isOffice ? { binRound: round } : {}),
            ...(spec.ward ? { ward: spec.ward } : {}),
            division: spec.division,
            recyclingCentre: spec.recyclingCentre,
          },
        });
      }
    }
  }
  return out;
}

/** Riverford's rounds by area: a weekday per part of a town, weeks A and B alternating by postcode. */
function roundFor(townIndex: number, streetIndex: number, unit: number): string {
  if (townIndex === 0 && streetIndex === 0 && unit <= 1) return 'RF-MON-A';
  const day = roundDays[(townIndex * 2 + Math.floor(streetIndex / 3)) % roundDays.length]!;
  return `RF-${day}-${unit % 2 ? 'B' : 'A'}`;
}

/** The addresses as each council's gazetteer holds them, with the facts that council keeps. */
export function demoGazetteers(addresses = generateDemoAddresses()): {
  riverford: Address[];
  northshire: Address[];
} {
  const riverford: Address[] = [];
  const northshire: Address[] = [];
  for (const { inRiverford, facts, ...address } of addresses) {
    const { binRound, ward, division, recyclingCentre } = facts;
    if (inRiverford) {
      riverford.push({ ...address, facts: { ...(binRound ? { binRound } : {}), ...(ward ? { ward } : {}) } });
    }
    northshire.push({
      ...address,
      facts: {
        // The county is not the waste collection authority: it knows which district is.
        ...(inRiverford ? { district: 'riverford' } : {}),
        ...(division ? { division } : {}),
        ...(recyclingCentre ? { recyclingCentre } : {}),
      },
    });
  }
  return { riverford, northshire };
}

const batchSize = 2500;

async function load(tx: Queryable, slug: string, rows: Address[]): Promise<void> {
  const [tenant] = await tx.query<{ id: string }>('select id from tenants where slug = $1', [slug]);
  if (!tenant) return;
  for (let i = 0; i < rows.length; i += batchSize) {
    await upsertAddresses(tx, tenant.id, rows.slice(i, i + batchSize), { facts: 'replace' });
  }
}

/** The demo gazetteers of both councils. Register after the councils' seed. */
export const gazetteerSeed: Seed = {
  module: 'gazetteer',
  version: 1,
  async run(tx) {
    const { riverford, northshire } = demoGazetteers();
    await load(tx, 'riverford', riverford);
    await load(tx, 'northshire', northshire);
  },
};
