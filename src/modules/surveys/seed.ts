import type { Queryable } from '../../db/database.ts';
import type { Seed } from '../../platform/seeds/seeds.ts';
import { agreeScale, checkDefinition, type SurveyAnswers, type SurveyDefinition } from './definition.ts';
import { insertSurvey, type SurveyFields } from './store.ts';

const agree = agreeScale;

const budget: SurveyDefinition = {
  pages: [
    {
      id: 'priorities',
      title: { en: 'Your priorities', cy: 'Eich blaenoriaethau' },
      questions: [
        {
          id: 'priorities',
          type: 'ranking',
          label: {
            en: 'Rank these services by how much they matter to you',
            cy: 'Rhowch y gwasanaethau hyn mewn trefn yn ôl faint maen nhw’n bwysig i chi',
          },
          items: [
            { value: 'social-care', label: { en: 'Social care', cy: 'Gofal cymdeithasol' } },
            { value: 'roads', label: { en: 'Roads and pavements', cy: 'Ffyrdd a phalmentydd' } },
            { value: 'libraries', label: { en: 'Libraries', cy: 'Llyfrgelloedd' } },
            { value: 'parks', label: { en: 'Parks and open spaces', cy: 'Parciau a mannau agored' } },
          ],
        },
        {
          id: 'councilTax',
          type: 'radios',
          label: {
            en: 'Which council tax rise would you prefer?',
            cy: 'Pa gynnydd yn y dreth gyngor fyddai orau gennych?',
          },
          options: [
            {
              value: 'none',
              label: {
                en: 'No rise, with cuts to services',
                cy: 'Dim cynnydd, gyda thoriadau i wasanaethau',
              },
            },
            { value: 'three', label: { en: '3% rise', cy: 'Cynnydd o 3%' } },
            {
              value: 'five',
              label: { en: '5% rise, protecting services', cy: 'Cynnydd o 5%, gan ddiogelu gwasanaethau' },
            },
          ],
        },
      ],
    },
    {
      id: 'statements',
      questions: [
        {
          id: 'statements',
          type: 'likert',
          label: {
            en: 'How far do you agree with these statements?',
            cy: 'I ba raddau ydych chi’n cytuno â’r datganiadau hyn?',
          },
          rows: [
            {
              value: 'value',
              label: { en: 'The council gives value for money', cy: 'Mae’r cyngor yn rhoi gwerth am arian' },
            },
            {
              value: 'listens',
              label: { en: 'The council listens to residents', cy: 'Mae’r cyngor yn gwrando ar drigolion' },
            },
          ],
          columns: agree,
        },
      ],
    },
    {
      id: 'overall',
      questions: [
        {
          id: 'confidence',
          type: 'rating',
          label: {
            en: 'How confident are you in the council’s plans?',
            cy: 'Pa mor hyderus ydych chi yng nghynlluniau’r cyngor?',
          },
          min: 1,
          max: 5,
          minLabel: { en: 'Not at all', cy: 'Dim o gwbl' },
          maxLabel: { en: 'Very', cy: 'Iawn' },
        },
        {
          id: 'comments',
          type: 'textarea',
          label: { en: 'Anything else about the budget?', cy: 'Unrhyw beth arall am y gyllideb?' },
          required: false,
        },
      ],
    },
  ],
};

const stakeholder: SurveyDefinition = {
  pages: [
    {
      id: 'organisation',
      questions: [
        {
          id: 'role',
          type: 'radios',
          label: {
            en: 'Which best describes your organisation?',
            cy: 'Pa un sy’n disgrifio’ch sefydliad orau?',
          },
          options: [
            {
              value: 'community',
              label: { en: 'Community group or charity', cy: 'Grŵp cymunedol neu elusen' },
            },
            { value: 'business', label: { en: 'Business', cy: 'Busnes' } },
            { value: 'public', label: { en: 'Public body', cy: 'Corff cyhoeddus' } },
            { value: 'expert', label: { en: 'Independent expert', cy: 'Arbenigwr annibynnol' } },
          ],
        },
      ],
    },
    {
      id: 'strategy',
      questions: [
        {
          id: 'proposals',
          type: 'likert',
          label: {
            en: 'How far do you support each proposal?',
            cy: 'I ba raddau ydych chi’n cefnogi pob cynnig?',
          },
          rows: [
            {
              value: 'food-waste',
              label: { en: 'Weekly food waste collections', cy: 'Casgliadau gwastraff bwyd wythnosol' },
            },
            {
              value: 'three-weekly',
              label: { en: 'Three-weekly general waste', cy: 'Gwastraff cyffredinol bob tair wythnos' },
            },
            {
              value: 'reuse-shops',
              label: {
                en: 'Reuse shops at recycling centres',
                cy: 'Siopau ailddefnyddio mewn canolfannau ailgylchu',
              },
            },
          ],
          columns: agree,
        },
        {
          id: 'readiness',
          type: 'rating',
          label: {
            en: 'How ready is your sector for the changes?',
            cy: 'Pa mor barod yw eich sector ar gyfer y newidiadau?',
          },
          min: 0,
          max: 10,
          minLabel: { en: 'Not ready', cy: 'Ddim yn barod' },
          maxLabel: { en: 'Fully ready', cy: 'Yn gwbl barod' },
        },
        {
          id: 'advice',
          type: 'textarea',
          label: {
            en: 'What should the strategy do differently?',
            cy: 'Beth ddylai’r strategaeth ei wneud yn wahanol?',
          },
          required: false,
        },
      ],
    },
  ],
};

const libraries: SurveyDefinition = {
  pages: [
    {
      id: 'hours',
      questions: [
        {
          id: 'evening',
          type: 'yesno',
          label: {
            en: 'Would you use a library open until 8pm?',
            cy: 'Fyddech chi’n defnyddio llyfrgell sydd ar agor tan 8pm?',
          },
        },
      ],
    },
  ],
};

function demoSurveys(council: string): (SurveyFields & { responses?: SurveyAnswers[] })[] {
  const name = council === 'riverford' ? 'Riverford' : 'Northshire';
  return [
    {
      slug: 'budget-2027',
      kind: 'consultation',
      title: { en: `${name} budget 2027 to 2028`, cy: `Cyllideb ${name} 2027 i 2028` },
      description: {
        en: 'Help us decide where the money goes next year, and how much council tax should rise.',
        cy: 'Helpwch ni i benderfynu ble mae’r arian yn mynd y flwyddyn nesaf, a faint ddylai’r dreth gyngor godi.',
      },
      definition: budget,
      access: 'link',
      anonymous: true,
      allowEdit: false,
      opensAt: new Date('2026-11-01T09:00:00Z'),
      closesAt: new Date('2027-01-31T17:00:00Z'),
      responseLimit: null,
      documents: [
        {
          title: { en: 'Draft budget summary', cy: 'Crynodeb o’r gyllideb ddrafft' },
          url: '/surveys/budget-2027',
        },
      ],
      alternativeFormats: {
        en: `Email consultations@${council}.example or phone the contact centre.`,
        cy: `E-bostiwch consultations@${council}.example neu ffoniwch y ganolfan gyswllt.`,
      },
      responses: [
        {
          priorities: ['social-care', 'roads', 'parks', 'libraries'],
          councilTax: 'three',
          statements: { value: 'agree', listens: 'neutral' },
          confidence: 3,
        },
        {
          priorities: ['roads', 'social-care', 'libraries', 'parks'],
          councilTax: 'none',
          statements: { value: 'disagree', listens: 'disagree' },
          confidence: 2,
          comments: 'Fix the potholes first.',
        },
        {
          priorities: ['libraries', 'parks', 'social-care', 'roads'],
          councilTax: 'five',
          statements: { value: 'agree', listens: 'agree' },
          confidence: 4,
          comments: 'Keep the libraries open.',
        },
      ],
    },
    {
      slug: 'stakeholder-waste-strategy',
      kind: 'consultation',
      title: { en: 'Waste strategy: stakeholder survey', cy: 'Strategaeth wastraff: arolwg rhanddeiliaid' },
      description: {
        en: 'For the partners and experts invited to the waste strategy working group.',
        cy: 'Ar gyfer y partneriaid a’r arbenigwyr a wahoddwyd i weithgor y strategaeth wastraff.',
      },
      definition: stakeholder,
      access: 'invitation',
      anonymous: false,
      allowEdit: true,
      opensAt: new Date('2026-11-01T09:00:00Z'),
      closesAt: new Date('2027-03-31T16:00:00Z'),
      responseLimit: null,
      documents: [
        {
          title: { en: 'Draft waste strategy', cy: 'Strategaeth wastraff ddrafft' },
          url: '/surveys/stakeholder-waste-strategy',
        },
      ],
      alternativeFormats: {
        en: `Email waste@${council}.example.`,
        cy: `E-bostiwch waste@${council}.example.`,
      },
    },
    {
      slug: 'library-opening-hours',
      kind: 'survey',
      title: { en: 'Library opening hours', cy: 'Oriau agor llyfrgelloedd' },
      description: {
        en: 'Should libraries open later in the evening?',
        cy: 'A ddylai llyfrgelloedd agor yn hwyrach gyda’r nos?',
      },
      definition: libraries,
      access: 'link',
      anonymous: true,
      allowEdit: false,
      opensAt: new Date('2026-06-01T08:00:00Z'),
      closesAt: new Date('2026-09-01T16:00:00Z'),
      responseLimit: null,
      documents: [],
      alternativeFormats: { en: '' },
      responses: [{ evening: true }, { evening: true }, { evening: false }],
    },
  ];
}

async function seedResponses(tx: Queryable, tenantId: string, surveyId: string, responses: SurveyAnswers[]) {
  for (const [i, answers] of responses.entries()) {
    await tx.query(
      `insert into survey_responses (tenant_id, survey_id, status, answers, resume_hash, started_on, submitted_at)
       values ($1, $2, 'submitted', $3::jsonb, $4, '2026-11-10', '2026-11-10T12:00:00Z')`,
      [tenantId, surveyId, JSON.stringify(answers), `demo-${i}`],
    );
  }
}

/** Demo content for both councils: an open consultation, an invitation-only survey, one with its outcome. */
export const surveysSeed: Seed = {
  module: 'surveys',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string; slug: string }>(
      `select id, slug from tenants where slug in ('northshire', 'riverford') order by slug`,
    );
    for (const council of councils) {
      for (const { responses, ...survey } of demoSurveys(council.slug)) {
        const checked = checkDefinition(survey.definition);
        if (!checked.ok) throw new Error(`demo survey ${survey.slug}: ${checked.errors.join('; ')}`);
        const id = await insertSurvey(tx, council.id, survey);
        if (!id) continue;
        if (responses) await seedResponses(tx, council.id, id, responses);
        if (survey.slug === 'library-opening-hours') {
          await tx.query(
            `update surveys set outcome = $3::jsonb, outcome_published_at = '2026-10-01T09:00:00Z'
             where tenant_id = $1 and id = $2`,
            [
              council.id,
              id,
              JSON.stringify({
                asked: {
                  en: 'We asked whether libraries should open until 8pm.',
                  cy: 'Gofynnom a ddylai llyfrgelloedd agor tan 8pm.',
                },
                said: {
                  en: 'Two in three of you said you would use later opening.',
                  cy: 'Dywedodd dau o bob tri ohonoch y byddech yn defnyddio oriau agor hwyrach.',
                },
                did: {
                  en: 'From January, the central library opens until 8pm on Thursdays.',
                  cy: 'O fis Ionawr, bydd y llyfrgell ganolog ar agor tan 8pm ar ddydd Iau.',
                },
              }),
            ],
          );
        }
      }
    }
  },
};
