import type { Queryable } from '../../db/database.ts';
import type { Seed } from '../../platform/seeds/seeds.ts';
import {
  type HelpArticle,
  type ServiceInput,
  type Topic,
  upsertHelpArticle,
  upsertNotice,
  upsertService,
  upsertTopic,
} from './store.ts';

interface CouncilCatalogue {
  topics: Topic[];
  services: ServiceInput[];
  help: HelpArticle[];
  notices: {
    serviceSlug: string | null;
    title: { en: string; cy: string };
    body: { en: string; cy: string };
    days: number;
  }[];
}

const movedHome = (council: 'county' | 'district'): ServiceInput => ({
  slug: 'tell-us-you-have-moved',
  name: { en: 'Tell us you have moved', cy: 'Dweud wrthym eich bod wedi symud' },
  summary: {
    en: 'Tell us your new address so your services and bills follow you.',
    cy: 'Rhowch eich cyfeiriad newydd i ni fel bod eich gwasanaethau a’ch biliau’n eich dilyn.',
  },
  topicSlug: council === 'district' ? 'council-tax' : 'your-home',
  keywords: 'moving house change of address new home relocate',
  description: {
    en:
      council === 'district'
        ? 'Use this service when you move into, out of or within the district, so that we can close your old council tax account and open a new one.'
        : 'Use this service so that county services you get, such as a blue badge, school transport or a library card, go to your new address.',
    cy:
      council === 'district'
        ? 'Defnyddiwch y gwasanaeth hwn pan fyddwch yn symud i mewn i’r dosbarth, allan ohono neu o’i fewn, fel y gallwn gau eich hen gyfrif treth gyngor ac agor un newydd.'
        : 'Defnyddiwch y gwasanaeth hwn fel bod gwasanaethau’r sir a gewch, fel bathodyn glas, cludiant i’r ysgol neu gerdyn llyfrgell, yn mynd i’ch cyfeiriad newydd.',
  },
  eligibility: { en: 'Anyone who has moved home.', cy: 'Unrhyw un sydd wedi symud cartref.' },
  cost: { en: 'Free', cy: 'Am ddim' },
  duration: { en: 'About 5 minutes', cy: 'Tua 5 munud' },
  nextSteps: {
    en: 'We update our records within 5 working days and write to you if anything changes, such as your bill.',
    cy: 'Rydym yn diweddaru ein cofnodion o fewn 5 diwrnod gwaith ac yn ysgrifennu atoch os bydd unrhyw beth yn newid, fel eich bil.',
  },
  startTarget: 'form:tell-us-you-have-moved',
  channels: ['web', 'phone', 'email', 'letter'],
});

const riverford: CouncilCatalogue = {
  topics: [
    {
      slug: 'bins-and-recycling',
      name: { en: 'Bins and recycling', cy: 'Biniau ac ailgylchu' },
      summary: {
        en: 'Collection days, missed bins, new bins and bulky waste.',
        cy: 'Diwrnodau casglu, biniau a fethwyd, biniau newydd a gwastraff swmpus.',
      },
    },
    {
      slug: 'council-tax',
      name: { en: 'Council tax', cy: 'Treth gyngor' },
      summary: {
        en: 'Discounts, moving home and paying your bill.',
        cy: 'Gostyngiadau, symud cartref a thalu eich bil.',
      },
    },
    {
      slug: 'environment',
      name: { en: 'Environment and neighbourhood', cy: 'Yr amgylchedd a’r gymdogaeth' },
      summary: {
        en: 'Noise, nuisance and keeping the district clean.',
        cy: 'Sŵn, niwsans a chadw’r dosbarth yn lân.',
      },
    },
  ],
  services: [
    {
      slug: 'missed-bin-collection',
      name: { en: 'Report a missed bin collection', cy: 'Rhoi gwybod am gasgliad bin a fethwyd' },
      summary: {
        en: 'Tell us if we did not empty your bin on your collection day.',
        cy: 'Rhowch wybod i ni os na wnaethom wagio eich bin ar eich diwrnod casglu.',
      },
      topicSlug: 'bins-and-recycling',
      keywords: 'bin rubbish refuse recycling garden waste not collected missed wheelie',
      description: {
        en: 'Report a missed collection by the end of the next working day after your collection day. Leave your bin out, with its lid closed, until we come back.',
        cy: 'Rhowch wybod am gasgliad a fethwyd erbyn diwedd y diwrnod gwaith nesaf ar ôl eich diwrnod casglu. Gadewch eich bin allan, gyda’i gaead ar gau, nes i ni ddod yn ôl.',
      },
      eligibility: {
        en: 'Households in Riverford district with a council bin collection.',
        cy: 'Aelwydydd yn nosbarth Riverford sydd â chasgliad bin gan y cyngor.',
      },
      cost: { en: 'Free', cy: 'Am ddim' },
      duration: { en: 'About 2 minutes', cy: 'Tua 2 funud' },
      nextSteps: {
        en: 'You will get a reference straight away. We aim to collect within 2 working days, and you can check progress online with your reference.',
        cy: 'Byddwch yn cael cyfeirnod ar unwaith. Ein nod yw casglu o fewn 2 ddiwrnod gwaith, a gallwch wirio’r cynnydd ar-lein gyda’ch cyfeirnod.',
      },
      startTarget: 'form:missed-bin-collection',
      channels: ['web', 'phone'],
    },
    {
      slug: 'replacement-bin',
      name: { en: 'Order a replacement bin', cy: 'Archebu bin newydd yn lle’r hen un' },
      summary: {
        en: 'Order a new bin if yours is lost, stolen or damaged.',
        cy: 'Archebwch fin newydd os yw eich un chi ar goll, wedi’i ddwyn neu wedi’i ddifrodi.',
      },
      topicSlug: 'bins-and-recycling',
      keywords: 'new bin broken bin lost bin stolen bin wheelie container',
      eligibility: {
        en: 'Households in Riverford district.',
        cy: 'Aelwydydd yn nosbarth Riverford.',
      },
      cost: {
        en: 'Free if we damaged it; £25 otherwise',
        cy: 'Am ddim os gwnaethom ni ei ddifrodi; £25 fel arall',
      },
      duration: { en: 'About 3 minutes', cy: 'Tua 3 munud' },
      nextSteps: {
        en: 'We deliver new bins within 10 working days. You do not need to be in.',
        cy: 'Rydym yn danfon biniau newydd o fewn 10 diwrnod gwaith. Nid oes angen i chi fod gartref.',
      },
      startTarget: 'form:replacement-bin',
      channels: ['web', 'phone'],
    },
    {
      slug: 'bulky-waste',
      name: { en: 'Book a bulky waste collection', cy: 'Trefnu casgliad gwastraff swmpus' },
      summary: {
        en: 'We can collect large items such as furniture and fridges from your home.',
        cy: 'Gallwn gasglu eitemau mawr fel dodrefn ac oergelloedd o’ch cartref.',
      },
      topicSlug: 'bins-and-recycling',
      keywords: 'furniture sofa fridge mattress large items collection',
      eligibility: { en: 'Households in Riverford district.', cy: 'Aelwydydd yn nosbarth Riverford.' },
      cost: { en: '£35 for up to 3 items', cy: '£35 am hyd at 3 eitem' },
      duration: { en: 'About 5 minutes', cy: 'Tua 5 munud' },
      nextSteps: {
        en: 'We contact you within 3 working days to agree a collection date.',
        cy: 'Byddwn yn cysylltu â chi o fewn 3 diwrnod gwaith i gytuno ar ddyddiad casglu.',
      },
      startTarget: 'form:bulky-waste',
      channels: ['web', 'phone'],
    },
    {
      slug: 'single-person-discount',
      name: {
        en: 'Check and apply for single person discount',
        cy: 'Gwirio a gwneud cais am ostyngiad person sengl',
      },
      summary: {
        en: 'Get 25% off your council tax if you are the only adult living in your home.',
        cy: 'Cael 25% oddi ar eich treth gyngor os mai chi yw’r unig oedolyn sy’n byw yn eich cartref.',
      },
      topicSlug: 'council-tax',
      keywords: 'council tax discount reduction live alone single occupancy 25 percent',
      description: {
        en: 'Answer a few questions to find out whether you are likely to get the discount, then apply straight away.',
        cy: 'Atebwch ychydig o gwestiynau i weld a ydych yn debygol o gael y gostyngiad, yna gwnewch gais ar unwaith.',
      },
      eligibility: {
        en: 'Council tax payers in Riverford district who live alone, or with only people who are disregarded, such as full-time students.',
        cy: 'Talwyr treth gyngor yn nosbarth Riverford sy’n byw ar eu pen eu hunain, neu gyda phobl sy’n cael eu diystyru yn unig, fel myfyrwyr llawn amser.',
      },
      cost: { en: 'Free', cy: 'Am ddim' },
      duration: { en: 'About 5 minutes', cy: 'Tua 5 munud' },
      nextSteps: {
        en: 'We check your application and send you a new bill within 10 working days.',
        cy: 'Rydym yn gwirio eich cais ac yn anfon bil newydd atoch o fewn 10 diwrnod gwaith.',
      },
      startTarget: 'form:single-person-discount',
      channels: ['web', 'phone', 'letter'],
    },
    {
      slug: 'noise-nuisance',
      name: { en: 'Report a noise nuisance', cy: 'Rhoi gwybod am niwsans sŵn' },
      summary: {
        en: 'Tell us about noise from a neighbour, business or building site that keeps happening.',
        cy: 'Rhowch wybod i ni am sŵn gan gymydog, busnes neu safle adeiladu sy’n digwydd dro ar ôl tro.',
      },
      topicSlug: 'environment',
      keywords: 'noise loud music barking dog party neighbour complaint',
      eligibility: {
        en: 'Anyone affected by noise in Riverford district.',
        cy: 'Unrhyw un y mae sŵn yn nosbarth Riverford yn effeithio arno.',
      },
      cost: { en: 'Free', cy: 'Am ddim' },
      duration: { en: 'About 10 minutes', cy: 'Tua 10 munud' },
      nextSteps: {
        en: 'An officer contacts you within 5 working days and may ask you to keep a diary of the noise.',
        cy: 'Bydd swyddog yn cysylltu â chi o fewn 5 diwrnod gwaith ac efallai y bydd yn gofyn i chi gadw dyddiadur o’r sŵn.',
      },
      startTarget: 'form:noise-nuisance',
      channels: ['web', 'phone', 'email'],
    },
    movedHome('district'),
  ],
  help: [
    {
      slug: 'what-goes-in-which-bin',
      title: { en: 'What goes in which bin', cy: 'Beth sy’n mynd ym mha fin' },
      summary: {
        en: 'Recycling, food waste, garden waste and general rubbish.',
        cy: 'Ailgylchu, gwastraff bwyd, gwastraff gardd a sbwriel cyffredinol.',
      },
      body: {
        en: 'Blue bin: clean paper, card, tins, cans and plastic bottles.\n\nGreen bin: garden waste such as grass cuttings, leaves and small branches.\n\nFood caddy: all cooked and uncooked food.\n\nGrey bin: everything else that cannot be recycled.',
        cy: 'Bin glas: papur glân, cardbord, tuniau, caniau a photeli plastig.\n\nBin gwyrdd: gwastraff gardd fel toriadau gwair, dail a changhennau bach.\n\nCadi bwyd: pob bwyd wedi’i goginio a heb ei goginio.\n\nBin llwyd: popeth arall na ellir ei ailgylchu.',
      },
      topicSlug: 'bins-and-recycling',
    },
    {
      slug: 'bank-holiday-collections',
      title: { en: 'Bin collections on bank holidays', cy: 'Casgliadau bin ar wyliau banc' },
      summary: {
        en: 'How bank holidays change your collection day.',
        cy: 'Sut mae gwyliau banc yn newid eich diwrnod casglu.',
      },
      body: {
        en: 'When a bank holiday falls on or before your collection day, your collection that week is usually one day later.\n\nCheck your bin day by postcode to see the dates for your address.',
        cy: 'Pan fydd gŵyl banc ar eich diwrnod casglu neu cyn hynny, bydd eich casgliad yr wythnos honno fel arfer un diwrnod yn hwyrach.\n\nGwiriwch eich diwrnod bin yn ôl cod post i weld y dyddiadau ar gyfer eich cyfeiriad.',
      },
      topicSlug: 'bins-and-recycling',
    },
  ],
  notices: [
    {
      serviceSlug: 'missed-bin-collection',
      title: {
        en: 'Collections running late in north Riverford',
        cy: 'Casgliadau’n hwyr yng ngogledd Riverford',
      },
      body: {
        en: 'A collection lorry has broken down. If your bin was not emptied today, leave it out: we will collect it tomorrow. You do not need to report it.',
        cy: 'Mae lori gasglu wedi torri i lawr. Os na chafodd eich bin ei wagio heddiw, gadewch ef allan: byddwn yn ei gasglu yfory. Nid oes angen i chi roi gwybod amdano.',
      },
      days: 60,
    },
  ],
};

const northshire: CouncilCatalogue = {
  topics: [
    {
      slug: 'roads-and-parking',
      name: { en: 'Roads, travel and parking', cy: 'Ffyrdd, teithio a pharcio' },
      summary: {
        en: 'Parking permits, dropped kerbs and road problems.',
        cy: 'Trwyddedau parcio, cyrbau isel a phroblemau ffyrdd.',
      },
    },
    {
      slug: 'your-home',
      name: { en: 'You and your home', cy: 'Chi a’ch cartref' },
      summary: {
        en: 'Moving home and keeping your details up to date.',
        cy: 'Symud cartref a chadw eich manylion yn gyfredol.',
      },
    },
  ],
  services: [
    {
      slug: 'residents-parking-permit',
      name: { en: 'Apply for a residents’ parking permit', cy: 'Gwneud cais am drwydded barcio preswylwyr' },
      summary: {
        en: 'Park in a residents’ parking zone near your home.',
        cy: 'Parcio mewn parth parcio preswylwyr ger eich cartref.',
      },
      topicSlug: 'roads-and-parking',
      keywords: 'parking permit resident zone car vehicle',
      eligibility: {
        en: 'People who live in a residents’ parking zone in Northshire and have a vehicle registered at that address.',
        cy: 'Pobl sy’n byw mewn parth parcio preswylwyr yn Northshire ac sydd â cherbyd wedi’i gofrestru yn y cyfeiriad hwnnw.',
      },
      cost: { en: '£60 a year', cy: '£60 y flwyddyn' },
      duration: { en: 'About 10 minutes', cy: 'Tua 10 munud' },
      nextSteps: {
        en: 'We check your vehicle and address, then email your permit within 5 working days.',
        cy: 'Rydym yn gwirio eich cerbyd a’ch cyfeiriad, yna’n e-bostio eich trwydded o fewn 5 diwrnod gwaith.',
      },
      startTarget: 'form:residents-parking-permit',
      channels: ['web', 'phone'],
    },
    {
      slug: 'dropped-kerb',
      name: { en: 'Request a dropped kerb', cy: 'Gwneud cais am gwrb isel' },
      summary: {
        en: 'Apply to lower the kerb outside your home so you can park on your drive.',
        cy: 'Gwneud cais i ostwng y cwrb y tu allan i’ch cartref fel y gallwch barcio ar eich dreif.',
      },
      topicSlug: 'roads-and-parking',
      keywords: 'dropped kerb driveway crossover vehicle access footway',
      eligibility: {
        en: 'Home owners, or tenants with their landlord’s permission, in Northshire.',
        cy: 'Perchnogion tai, neu denantiaid gyda chaniatâd eu landlord, yn Northshire.',
      },
      cost: { en: '£150 to apply, then the cost of the works', cy: '£150 i wneud cais, yna cost y gwaith' },
      duration: { en: 'About 10 minutes', cy: 'Tua 10 munud' },
      nextSteps: {
        en: 'An inspector visits within 20 working days and sends you a quote for the works.',
        cy: 'Bydd arolygydd yn ymweld o fewn 20 diwrnod gwaith ac yn anfon dyfynbris i chi ar gyfer y gwaith.',
      },
      startTarget: 'form:dropped-kerb',
      channels: ['web', 'phone', 'letter'],
    },
    movedHome('county'),
  ],
  help: [
    {
      slug: 'potholes',
      title: {
        en: 'Potholes: what we repair and when',
        cy: 'Tyllau yn y ffordd: beth rydym yn ei atgyweirio a phryd',
      },
      summary: {
        en: 'How we decide which potholes to repair first.',
        cy: 'Sut rydym yn penderfynu pa dyllau i’w hatgyweirio gyntaf.',
      },
      body: {
        en: 'We repair dangerous potholes within 24 hours and others within 28 days.\n\nWe inspect main roads every month and other roads at least once a year.',
        cy: 'Rydym yn atgyweirio tyllau peryglus o fewn 24 awr ac eraill o fewn 28 diwrnod.\n\nRydym yn archwilio prif ffyrdd bob mis a ffyrdd eraill o leiaf unwaith y flwyddyn.',
      },
      topicSlug: 'roads-and-parking',
    },
  ],
  notices: [
    {
      serviceSlug: null,
      title: { en: 'Market Street closed for resurfacing', cy: 'Stryd y Farchnad ar gau ar gyfer ailwynebu' },
      body: {
        en: 'Market Street in Northshire town centre is closed to traffic on weekdays while we resurface it. County Hall stays open.',
        cy: 'Mae Stryd y Farchnad yng nghanol tref Northshire ar gau i draffig ar ddyddiau’r wythnos tra byddwn yn ei hailwynebu. Mae Neuadd y Sir yn parhau ar agor.',
      },
      days: 45,
    },
  ],
};

async function seedCouncil(tx: Queryable, slug: string, content: CouncilCatalogue) {
  const [tenant] = await tx.query<{ id: string }>('select id from tenants where slug = $1', [slug]);
  if (!tenant) return;
  for (const [position, topic] of content.topics.entries())
    await upsertTopic(tx, tenant.id, { ...topic, position });
  for (const service of content.services) await upsertService(tx, tenant.id, service);
  for (const article of content.help) await upsertHelpArticle(tx, tenant.id, article);
  const day = 86_400_000;
  // Notices start a day before the demo is seeded, so they show at once, and end in a few weeks.
  const now = Date.now();
  for (const n of content.notices) {
    await upsertNotice(tx, tenant.id, {
      serviceSlug: n.serviceSlug,
      title: n.title,
      body: n.body,
      startsAt: new Date(now - day),
      endsAt: new Date(now + n.days * day),
    });
  }
}

export const catalogueSeed: Seed = {
  module: 'catalogue',
  version: 1,
  async run(tx) {
    await seedCouncil(tx, 'riverford', riverford);
    await seedCouncil(tx, 'northshire', northshire);
  },
};
