/**
 * The registration form, run by the form engine: the same question types, validation,
 * messages and privacy purposes as every other form a person fills in.
 */
import { defineForm, type FormDefinition } from '../forms/engine/index.ts';

// Kept for this long after the registration stops being needed: the end of the event, or the
// cancellation of the registration or of the event. Housekeeping deletes it (retention.ts).
const retention = { period: 'P1Y' };

export const registrationForm: FormDefinition = defineForm({
  schemaVersion: 1,
  slug: 'event-registration',
  title: { en: 'Register for an event', cy: 'Cofrestru ar gyfer digwyddiad' },
  checkAnswers: false,
  confirmation: {
    title: { en: 'You are registered', cy: 'Rydych wedi cofrestru' },
    body: { en: 'We have emailed you the details.', cy: 'Rydym wedi anfon y manylion atoch drwy e-bost.' },
  },
  pages: [
    {
      id: 'register',
      kind: 'question',
      questions: [
        {
          id: 'name',
          type: 'text',
          label: { en: 'Full name', cy: 'Enw llawn' },
          autocomplete: 'name',
          maxLength: 200,
          requiredMessage: { en: 'Enter your full name', cy: 'Rhowch eich enw llawn' },
          purpose: { en: 'To know who is coming', cy: 'I wybod pwy sy’n dod' },
          retention,
        },
        {
          id: 'email',
          type: 'email',
          label: { en: 'Email address', cy: 'Cyfeiriad e-bost' },
          hint: {
            en: 'We will send your confirmation, calendar invitation and reminders here',
            cy: 'Byddwn yn anfon eich cadarnhad, gwahoddiad calendr a nodiadau atgoffa i’r cyfeiriad hwn',
          },
          requiredMessage: { en: 'Enter your email address', cy: 'Rhowch eich cyfeiriad e-bost' },
          purpose: {
            en: 'To send your confirmation, reminders and any changes',
            cy: 'I anfon eich cadarnhad, nodiadau atgoffa ac unrhyw newidiadau',
          },
          retention,
        },
        {
          id: 'accessNeeds',
          type: 'textarea',
          required: false,
          maxLength: 1000,
          rows: 3,
          label: { en: 'Access needs', cy: 'Anghenion mynediad' },
          hint: {
            en: 'For example, step-free access, a hearing loop, a British Sign Language interpreter or large print',
            cy: 'Er enghraifft, mynediad heb risiau, dolen sain, dehonglydd Iaith Arwyddion Prydain neu brint bras',
          },
          purpose: {
            en: 'To make the event accessible to you',
            cy: 'I wneud y digwyddiad yn hygyrch i chi',
          },
          retention,
        },
        {
          id: 'dietaryNeeds',
          type: 'textarea',
          required: false,
          maxLength: 1000,
          rows: 3,
          label: { en: 'Dietary needs', cy: 'Anghenion deietegol' },
          hint: {
            en: 'For example, vegetarian, halal or a nut allergy',
            cy: 'Er enghraifft, llysieuol, halal neu alergedd i gnau',
          },
          purpose: { en: 'To cater for you', cy: 'I ddarparu bwyd addas i chi' },
          retention,
        },
      ],
    },
  ],
});
