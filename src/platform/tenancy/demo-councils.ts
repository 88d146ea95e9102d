import type { Seed } from '../seeds/seeds.ts';
import { type NewTenant, upsertTenant } from './store.ts';

// Simple heraldic marks of our own: a council's logo, never the crown.
const northshireLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img" aria-label="Northshire County Council">
<path fill="#ffffff" d="M20 2 L36 8 V20 C36 29 29 35 20 38 C11 35 4 29 4 20 V8 Z"/>
<path fill="#00594f" d="M20 6 L32 10.5 V20 C32 26.8 27 31.5 20 34 C13 31.5 8 26.8 8 20 V10.5 Z"/>
<path fill="#ffffff" d="M20 10 L27 24 H13 Z M14 26 H26 V29 H14 Z"/>
</svg>`;

const riverfordLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img" aria-label="Riverford District Council">
<circle cx="20" cy="20" r="18" fill="#ffffff"/>
<circle cx="20" cy="20" r="15" fill="#5c2483"/>
<path fill="none" stroke="#ffffff" stroke-width="3" stroke-linecap="round" d="M9 17 C13 13 16 21 20 17 S27 13 31 17 M9 24 C13 20 16 28 20 24 S27 20 31 24"/>
</svg>`;

export const demoCouncils: NewTenant[] = [
  {
    slug: 'northshire',
    prefix: 'NS',
    name: { en: 'Northshire County Council', cy: 'Cyngor Sir Northshire' },
    brand: { colour: '#00594f', onColour: '#ffffff', logoSvg: northshireLogo },
    contact: {
      phone: '01632 960 100',
      email: 'contact@northshire.example',
      address: {
        en: 'County Hall, Market Street, Northshire NS1 1AA',
        cy: 'Neuadd y Sir, Stryd y Farchnad, Northshire NS1 1AA',
      },
      openingHours: {
        en: 'Monday to Friday, 8:30am to 5pm',
        cy: 'Dydd Llun i ddydd Gwener, 8:30am i 5pm',
      },
    },
    footerLinks: [
      { href: '/contact', text: { en: 'Contact the council', cy: "Cysylltu â'r cyngor" } },
      { href: '/feedback', text: { en: 'Give feedback', cy: 'Rhoi adborth' } },
    ],
    hosts: ['northshire.localhost'],
  },
  {
    slug: 'riverford',
    prefix: 'RF',
    name: { en: 'Riverford District Council', cy: 'Cyngor Dosbarth Riverford' },
    brand: { colour: '#5c2483', onColour: '#ffffff', logoSvg: riverfordLogo },
    contact: {
      phone: '01632 960 200',
      email: 'hello@riverford.example',
      address: {
        en: 'The Civic Centre, Bridge Road, Riverford RF2 3BB',
        cy: 'Y Ganolfan Ddinesig, Heol y Bont, Riverford RF2 3BB',
      },
      openingHours: {
        en: 'Monday to Thursday, 9am to 5pm; Friday, 9am to 4:30pm',
        cy: 'Dydd Llun i ddydd Iau, 9am i 5pm; dydd Gwener, 9am i 4:30pm',
      },
    },
    footerLinks: [
      { href: '/contact', text: { en: 'Contact us', cy: 'Cysylltu â ni' } },
      {
        href: '/feedback',
        text: { en: 'Tell us what you think', cy: 'Dywedwch wrthym beth rydych chi’n ei feddwl' },
      },
    ],
    hosts: ['riverford.localhost'],
  },
];

export const councilsSeed: Seed = {
  module: 'tenancy',
  version: 1,
  async run(tx) {
    for (const council of demoCouncils) await upsertTenant(tx, council);
  },
};
