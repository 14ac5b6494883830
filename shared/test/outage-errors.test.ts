import { describe, expect, it } from 'vitest';
import { outageErrorOf } from '../src/outage-errors.ts';

describe('outageErrorOf', () => {
  it('answers 503 unavailable for a dependency that is not there', () => {
    const cases: unknown[] = [
      new Error('Command timed out'), // ioredis commandTimeout while Redis is down
      new Error('Connection is closed.'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }), // postgres.js
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), // S3, KMS over fetch
      Object.assign(new Error('x'), { name: 'ConnectionError' }), // OpenSearch client
    ];
    for (const err of cases) {
      const mapped = outageErrorOf(err);
      expect(mapped?.code, String(err)).toBe('unavailable');
      expect(mapped?.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('leaves bugs and input errors alone', () => {
    for (const err of [
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      Object.assign(new Error('invalid input syntax'), { code: '22P02' }),
      'a string',
      null,
    ])
      expect(outageErrorOf(err)).toBeUndefined();
  });
});
