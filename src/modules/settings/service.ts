/**
 * Council settings: the profile (name, logo, colours, contact, footer links), the texts of
 * the statements, the retention schedule that every form field chooses from, and team
 * inboxes and queues. Other modules read the schedule and teams through here.
 */
import type { Queryable } from '../../db/database.ts';
import { contrastRatio } from '../../platform/tenancy/colour.ts';
import {
  type CouncilTexts,
  findTexts,
  listSchedule,
  listTeams,
  type ScheduleEntry,
  type Team,
} from './store.ts';

export type { CouncilTexts, ScheduleEntry, Team };

/** WCAG 2.2 AA for normal text; the header shows the council's name in text on its colour. */
export const minimumContrast = 4.5;

export interface ContrastCheck {
  ok: boolean;
  /** Rounded down to two places, so "4.49" is never shown as a pass of "4.5". */
  ratio: string;
}

/** How the brand colour reads with the text shown on it and against the white page. */
export function checkContrast(
  colour: string,
  onColour: string,
): { onColour: ContrastCheck; onWhite: ContrastCheck } {
  const check = (a: string, b: string) => {
    const ratio = contrastRatio(a, b);
    return { ok: ratio >= minimumContrast, ratio: (Math.floor(ratio * 100) / 100).toFixed(2) };
  };
  // Links and focus outlines use the colour on white; the header puts text on the colour.
  return { onColour: check(colour, onColour), onWhite: check(colour, '#ffffff') };
}

/** The entries staff may choose for a new field (retired ones stay readable on old versions). */
export async function retentionChoices(q: Queryable, tenantId: string): Promise<ScheduleEntry[]> {
  return listSchedule(q, tenantId);
}

export async function teamInboxes(q: Queryable, tenantId: string): Promise<Team[]> {
  return (await listTeams(q, tenantId)).filter((t) => t.email);
}

/** The statements the council wrote for /accessibility and /privacy (empty English: not written). */
export async function councilTexts(q: Queryable, tenantId: string): Promise<CouncilTexts> {
  return findTexts(q, tenantId);
}
