import { z } from 'zod';

/**
 * A point in time at the boundary: an RFC 3339 date-time with an offset, on a real calendar
 * day, years 0001-9999. Postgres refuses what JavaScript happily builds (year 0, year 10000
 * after an offset, and the driver turns an invalid string into a thrown RangeError): each of
 * those was a 500. The result is the instant in UTC as an ISO string (what the driver passes
 * through as it is; it cannot serialize a Date parameter of a raw query), inside Postgres's range:
 * clamped to its edges when an extreme offset carries a valid date across them (a filter `from`
 * year 1 means "from the start").
 */
export const INSTANT_PATTERN =
  '^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';

/** The earliest and latest instants the database stores with a four-digit year. */
export const MIN_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT = new Date('9999-12-31T23:59:59.999Z');

const SHAPE = new RegExp(INSTANT_PATTERN);

/** The calendar day is real (no 31 April, no 29 February outside leap years). */
function realDay(s: string): boolean {
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  const day = new Date(Date.UTC(2000, m - 1, d));
  day.setUTCFullYear(y);
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

export const instantSchema = z
  .string()
  .refine((s) => SHAPE.test(s) && realDay(s), 'must be a date-time with offset (2026-01-31T12:00:00Z)')
  .transform((s) => {
    const t = Math.min(Math.max(new Date(s).getTime(), MIN_INSTANT.getTime()), MAX_INSTANT.getTime());
    return new Date(t).toISOString();
  })
  .meta({ format: 'date-time', pattern: INSTANT_PATTERN, example: '2026-01-31T12:00:00Z' });
