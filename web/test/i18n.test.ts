import { describe, expect, it } from 'vitest';
import { de as appDe } from '../src/app/i18n/de.ts';
import { en as appEn } from '../src/app/i18n/en.ts';
import { de as opsDe } from '../src/ops/i18n/de.ts';
import { en as opsEn } from '../src/ops/i18n/en.ts';

/**
 * Every language complete: the same keys as English (the types check this too), the same
 * placeholders in each string, nothing empty, plural forms in pairs.
 */
type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

for (const [name, en, other] of [
  ['web app', appEn, appDe],
  ['ops page', opsEn, opsDe],
] as const) {
  describe(`${name} strings`, () => {
    const english = flatten(en as unknown as Tree);
    const german = flatten(other as unknown as Tree);

    it('German has every English key and no other', () => {
      expect([...german.keys()].sort()).toEqual([...english.keys()].sort());
    });

    it('every German string keeps the placeholders of its English one and is not empty', () => {
      for (const [key, value] of english) {
        const translated = german.get(key)!;
        expect(translated.trim(), key).not.toBe('');
        expect(placeholders(translated), key).toEqual(placeholders(value));
      }
    });

    it('plural keys come in _one/_other pairs', () => {
      for (const key of english.keys()) {
        if (key.endsWith('_one')) expect(english.has(key.replace(/_one$/, '_other')), key).toBe(true);
      }
    });
  });
}
