import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../lib/errors.js';
import { checkTimeZone, formatInZone, parseDuration, zonedToUtc } from '../lib/util/time.js';

const NY = 'America/New_York';
const PYTHON = process.env.HARNESS_PYTHON ?? 'python3';
const iso = (local: string, tz = NY) => zonedToUtc(local, tz).toISOString();
function thrown(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('zonedToUtc', () => {
  it.each([
    ['2017-01-20', '2017-01-20T05:00:00.000Z'],
    ['2017-01-20 23:59', '2017-01-21T04:59:00.000Z'],
    ['2017-01-20T23:59', '2017-01-21T04:59:00.000Z'],
    ['2017-01-20T23:59:30', '2017-01-21T04:59:30.000Z'],
    ['2017-01-20T23:59:30.25', '2017-01-21T04:59:30.250Z'],
    ['  2017-07-04 12:00  ', '2017-07-04T16:00:00.000Z'],
    ['2016-02-29 00:00', '2016-02-29T05:00:00.000Z'],
  ])('reads %s as New York wall-clock time', (local, want) => {
    expect(iso(local)).toBe(want);
  });

  it.each([
    ['2017-01-20T23:59:30Z', '2017-01-20T23:59:30.000Z'],
    ['2017-01-20T23:59z', '2017-01-20T23:59:00.000Z'],
    ['2017-01-20T23:59-05:00', '2017-01-21T04:59:00.000Z'],
    ['2017-01-20 23:59 +0530', '2017-01-20T18:29:00.000Z'],
    ['2017-01-20T23:59+01', '2017-01-20T22:59:00.000Z'],
  ])('takes %s as-is, whatever the zone', (local, want) => {
    expect(iso(local, 'Asia/Tokyo')).toBe(want);
  });

  it('reads the same wall-clock time differently in different zones', () => {
    expect([iso('2017-01-20 23:59', 'UTC'), iso('2017-01-20 23:59', 'Asia/Kolkata')]).toEqual([
      '2017-01-20T23:59:00.000Z',
      '2017-01-20T18:29:00.000Z',
    ]);
  });

  describe('spring forward in New York (2017-03-12, 02:00 EST → 03:00 EDT)', () => {
    it.each([
      ['2017-03-12 01:59', '2017-03-12T06:59:00.000Z'], // last EST minute
      ['2017-03-12 01:59:59', '2017-03-12T06:59:59.000Z'],
      ['2017-03-12 02:00', '2017-03-12T07:00:00.000Z'], // does not exist: 03:00 EDT
      ['2017-03-12 02:30', '2017-03-12T07:30:00.000Z'], // does not exist: 03:30 EDT
      ['2017-03-12 03:00', '2017-03-12T07:00:00.000Z'], // first EDT minute, same instant as 02:00
      ['2017-03-12 03:30', '2017-03-12T07:30:00.000Z'],
    ])('%s → %s', (local, want) => expect(iso(local)).toBe(want));
  });

  describe('fall back in New York (2017-11-05, 02:00 EDT → 01:00 EST)', () => {
    it.each([
      ['2017-11-05 00:59', '2017-11-05T04:59:00.000Z'],
      ['2017-11-05 01:00', '2017-11-05T05:00:00.000Z'], // happens twice: the earlier (EDT)
      ['2017-11-05 01:30', '2017-11-05T05:30:00.000Z'],
      ['2017-11-05 01:59:59', '2017-11-05T05:59:59.000Z'],
      ['2017-11-05 02:00', '2017-11-05T07:00:00.000Z'], // EST only
    ])('%s → %s', (local, want) => expect(iso(local)).toBe(want));
  });

  it('round-trips every quarter hour across both 2017 transitions, except the skipped and repeated hour', () => {
    const odd: string[] = [];
    for (const day of ['2017-03-11T12:00:00Z', '2017-11-04T12:00:00Z']) {
      for (let t = Date.parse(day); t < Date.parse(day) + 2 * 86_400_000; t += 15 * 60_000) {
        const shown = formatInZone(new Date(t), NY); // "2017-03-12 03:15 EDT"
        const back = zonedToUtc(shown.slice(0, 16), NY).getTime();
        if (back !== t) odd.push(`${shown} → ${(back - t) / 60_000} min`);
      }
    }
    // Only the second 01:xx of the fall-back night reads back as the first one, an hour earlier.
    expect(odd).toEqual([
      '2017-11-05 01:00 EST → -60 min',
      '2017-11-05 01:15 EST → -60 min',
      '2017-11-05 01:30 EST → -60 min',
      '2017-11-05 01:45 EST → -60 min',
    ]);
  });

  it('agrees with python3 zoneinfo (fold=0) in zones with odd offsets and DST rules', () => {
    const zones = [
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'America/St_Johns',
      'Asia/Kolkata',
      'Pacific/Chatham',
      'UTC',
    ];
    const locals: string[] = [];
    // Every half hour of the days around each zone's 2017 and 2023 transitions, plus a spread of hours.
    const days = [
      '2017-03-12',
      '2017-03-26',
      '2017-04-02',
      '2017-09-24',
      '2017-10-01',
      '2017-10-29',
      '2017-11-05',
      '2023-03-12',
      '2023-11-05',
    ];
    for (const d of days)
      for (let m = 0; m < 24 * 60; m += 30)
        locals.push(`${d} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    const py = `
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
zones, locals_ = json.loads(sys.stdin.read())
print(json.dumps([[int(datetime.strptime(l, '%Y-%m-%d %H:%M').replace(tzinfo=ZoneInfo(z)).timestamp()) for l in locals_] for z in zones]))
`;
    const want: number[][] = JSON.parse(execFileSync(PYTHON, ['-c', py], { input: JSON.stringify([zones, locals]), encoding: 'utf8' }));
    const diffs: string[] = [];
    zones.forEach((z, i) =>
      locals.forEach((l, j) => {
        const got = zonedToUtc(l, z).getTime() / 1000;
        if (got !== want[i][j]) diffs.push(`${z} ${l}: ${got} vs python ${want[i][j]}`);
      }),
    );
    expect(locals.length * zones.length).toBe(3024);
    expect(diffs).toEqual([]);
  });

  it.each([
    '2017-02-29',
    '2017-13-01',
    '2017-04-31',
    '2017-01-20 24:00',
    '2017-01-20 23:60',
    '2017-1-20',
    'Jan 20 2017',
    '',
    '2017-01-20T23:59+25:00',
    '0999-01-01',
  ])('refuses %j with a one-line UserError and a fix', (local) => {
    const e = thrown(() => zonedToUtc(local, NY));
    expect(e.message).toBe(`${JSON.stringify(local)} is not a valid date and time.`);
    expect(e.fix).toMatch(/^Write YYYY-MM-DD/);
  });

  it('refuses an unknown zone, even when the time has an offset', () => {
    for (const local of ['2017-01-20', '2017-01-20T00:00Z']) {
      const e = thrown(() => zonedToUtc(local, 'Mars/Olympus_Mons'));
      expect(e.message).toBe('Unknown time zone "Mars/Olympus_Mons".');
      expect(e.fix).toMatch(/IANA time zone name such as America\/New_York/);
    }
  });
});

describe('formatInZone', () => {
  it.each([
    ['2017-01-21T04:59:00Z', NY, '2017-01-20 23:59 EST'],
    ['2017-01-21T04:59:59Z', NY, '2017-01-20 23:59:59 EST'],
    ['2017-03-12T06:59:59Z', NY, '2017-03-12 01:59:59 EST'],
    ['2017-03-12T07:00:00Z', NY, '2017-03-12 03:00 EDT'],
    ['2017-11-05T05:59:00Z', NY, '2017-11-05 01:59 EDT'],
    ['2017-11-05T06:00:00Z', NY, '2017-11-05 01:00 EST'],
    ['2017-11-05T05:00:00.999Z', NY, '2017-11-05 01:00 EDT'],
    ['2017-01-20T00:00:00Z', 'UTC', '2017-01-20 00:00 UTC'],
    ['2017-01-20T05:00:00Z', NY, '2017-01-20 00:00 EST'], // midnight, not "24:00"
  ])('%s in %s is %s', (instant, tz, want) => {
    expect(formatInZone(new Date(instant), tz)).toBe(want);
  });

  it('refuses an unknown zone and an invalid date', () => {
    expect(() => formatInZone(new Date(0), 'Nowhere')).toThrow(UserError);
    expect(() => formatInZone(new Date(NaN), NY)).toThrow(RangeError);
  });
});

describe('checkTimeZone', () => {
  it('canonicalises known zones and rejects the rest', () => {
    expect([
      checkTimeZone('america/new_york'),
      checkTimeZone('UTC'),
      checkTimeZone('Mars/Base'),
      checkTimeZone(''),
      checkTimeZone(' '),
    ]).toEqual(['America/New_York', 'UTC', undefined, undefined, undefined]);
  });
});

describe('parseDuration', () => {
  it.each([
    [90, 90],
    [0, 0],
    [1.5, 1.5],
    ['90', 90],
    ['90s', 90],
    ['2m', 120],
    ['1h', 3600],
    ['1h30m', 5400],
    ['1h 30m 15s', 5415],
    ['1.5h', 5400],
    ['0.1h', 360],
    ['500ms', 0.5],
    ['2 days', 172800],
    ['10 MIN', 600],
    [' 45 sec ', 45],
  ] as [string | number, number][])('%j is %d seconds', (v, want) => {
    expect(parseDuration(v)).toBe(want);
  });

  it.each([-1, NaN, Infinity, '', 'ten minutes', '5 fortnights', '1h-30m', '-5s', 'h', '1.s', '5s5'] as (string | number)[])(
    'refuses %j',
    (v) => {
      const e = thrown(() => parseDuration(v));
      expect(e.message).toBe(`${typeof v === 'number' ? String(v) : JSON.stringify(v)} is not a duration.`);
      expect(e.fix).toMatch(/^Write a number of seconds/);
    },
  );
});
