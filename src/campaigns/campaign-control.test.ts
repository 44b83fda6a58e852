import { describe, expect, it } from 'vitest';
import type { CampaignStatus } from '../db/database.ts';
import { type CampaignAction, canApply } from './campaign-control.ts';

describe('campaign transitions', () => {
  const table: Array<[CampaignAction, CampaignStatus, boolean]> = [
    ['pause', 'running', true],
    ['pause', 'paused', true],
    ['pause', 'cancelled', false],
    ['pause', 'completed', false],
    ['resume', 'paused', true],
    ['resume', 'running', true],
    ['resume', 'cancelled', false],
    ['resume', 'completed', false],
    ['cancel', 'running', true],
    ['cancel', 'paused', true],
    ['cancel', 'cancelled', true],
    ['cancel', 'completed', false],
  ];
  it.each(table)('%s from %s allowed: %s', (action, status, allowed) => {
    expect(canApply(action, status)).toBe(allowed);
  });
});
