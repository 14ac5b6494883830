import type { AccessFilter, IndexedDocument } from '../../cell/src/adapters/search-index/port.ts';

/**
 * A deterministic synthetic corpus for the search bench: every document is a pure function of
 * (tenant, index), so each engine is loaded with exactly the same documents without keeping
 * them in memory.
 *
 * - Vocabulary: English stopwords and common business words at the top ranks, then ~30,000
 *   pronounceable pseudo-words; word frequencies follow Zipf's law (exponent 1.0).
 * - Bodies: 1-4 KB of Zipf text; ~0.5 % of documents carry each of 20 topical phrases.
 * - Titles: 3-6 mid-frequency words; 0-3 tags out of 40 (Zipf); a coarse type; a date in
 *   2019-2026; an author out of 50 users; custom fields region/priority.
 * - Folders: 20 top-level folders with 50 subfolders each (1,000); every document sits in one
 *   subfolder, some (5 %) at the top level.
 */

const STOP = (
  'the of and to in is that it was for on are with as be at by this have from or an were which but not ' +
  'they you he she his her their we has had been there would will what all can if its who our'
).split(' ');
const COMMON = (
  'contract report budget policy agreement invoice payment service customer supplier project quarter ' +
  'annual review meeting board risk compliance audit finance legal revenue cost price market sales ' +
  'product team plan strategy process data security access employee office schedule delivery order ' +
  'account tax insurance claim vendor lease property license renewal term notice liability'
).split(' ');
export const PHRASES = [
  'service level agreement',
  'annual report',
  'data processing addendum',
  'master services agreement',
  'purchase order',
  'statement of work',
  'non disclosure agreement',
  'board of directors',
  'risk assessment',
  'quarterly business review',
  'termination for convenience',
  'limitation of liability',
  'payment terms',
  'change request',
  'security incident',
  'expense report',
  'travel policy',
  'code of conduct',
  'disaster recovery plan',
  'key performance indicators',
];
const ONSETS = [
  'b',
  'c',
  'd',
  'f',
  'g',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'z',
  'br',
  'st',
  'tr',
  'pl',
  'gr',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 'm', 'x', 'k'];

export const TAGS = Array.from(
  { length: 40 },
  (_, i) => `tag-${['ops', 'legal', 'hr', 'fin', 'it'][i % 5]}-${i}`,
);
const TYPES = ['pdf', 'docx', 'xlsx', 'pptx', 'text', 'markdown', 'html', 'csv', 'image', 'other'];
const TYPE_WEIGHTS = [35, 25, 10, 5, 8, 4, 4, 4, 3, 2];
const REGIONS = ['emea', 'amer', 'apac', 'latam', 'global'];
export const USERS = Array.from({ length: 50 }, (_, i) => `usr_${String(i).padStart(25, '0')}`);
export const TOP_FOLDERS = 20;
export const SUB_FOLDERS = 50;

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function pseudoWord(i: number): string {
  const r = rng(i * 2654435761);
  const syllables = 2 + Math.floor(r() * 3);
  let w = '';
  for (let s = 0; s < syllables; s++) {
    w += ONSETS[Math.floor(r() * ONSETS.length)]! + VOWELS[Math.floor(r() * VOWELS.length)]!;
  }
  return w + CODAS[Math.floor(r() * CODAS.length)]!;
}

function buildVocabulary(size: number): string[] {
  const words = [...STOP, ...COMMON];
  const seen = new Set(words);
  for (let i = 0; words.length < size; i++) {
    const w = pseudoWord(i);
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

export const VOCABULARY = buildVocabulary(30_000);

/** Zipf(s = 1) over the vocabulary ranks: cumulative distribution for inverse sampling. */
const CDF = (() => {
  const cdf = new Float64Array(VOCABULARY.length);
  let sum = 0;
  for (let i = 0; i < cdf.length; i++) {
    sum += 1 / (i + 1);
    cdf[i] = sum;
  }
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= sum;
  return cdf;
})();

function zipfRank(r: number): number {
  let lo = 0;
  let hi = CDF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CDF[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

function weighted<T>(r: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x < 0) return items[i]!;
  }
  return items.at(-1)!;
}

export const docIdOf = (tenant: string, i: number) =>
  `doc_${(hashString(tenant) % 1_000_000).toString(36).padStart(4, '0')}${i.toString(36).padStart(21, '0')}`;
export const folderIdOf = (top: number, sub: number | null) =>
  `fld_${String(top).padStart(3, '0')}${sub === null ? 'xxx' : String(sub).padStart(3, '0')}`.padEnd(29, '0');

export function makeDocument(tenantId: string, i: number): IndexedDocument {
  const r = rng(hashString(tenantId) ^ Math.imul(i + 1, 2246822519));
  const bytes = 1024 + Math.floor(r() * 3072);
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    const w = VOCABULARY[zipfRank(r())]!;
    words.push(w);
    length += w.length + 1;
  }
  for (const phrase of PHRASES) {
    if (r() < 0.005) words.splice(Math.floor(r() * words.length), 0, phrase);
  }
  const titleWords = 3 + Math.floor(r() * 4);
  const title = Array.from({ length: titleWords }, () => VOCABULARY[60 + Math.floor(r() * 5000)]!).join(' ');
  const tags = [
    ...new Set(Array.from({ length: Math.floor(r() * 4) }, () => TAGS[zipfRank(r()) % TAGS.length]!)),
  ];
  const top = Math.floor(r() * TOP_FOLDERS);
  const atTop = r() < 0.05;
  const sub = atTop ? null : Math.floor(r() * SUB_FOLDERS);
  const folderId = folderIdOf(top, sub);
  const ancestorIds = sub === null ? [folderId] : [folderIdOf(top, null), folderId];
  const updatedAt = new Date(Date.UTC(2019, 0, 1) + Math.floor(r() * 8 * 365 * 86_400_000));
  const type = weighted(r, TYPES, TYPE_WEIGHTS);
  return {
    tenantId,
    documentId: docIdOf(tenantId, i),
    versionId: `ver_${docIdOf(tenantId, i).slice(4)}`,
    title: title[0]!.toUpperCase() + title.slice(1),
    filename: `${title.split(' ').slice(0, 2).join('-')}.${type === 'text' ? 'txt' : type}`,
    tags,
    body: words.join(' '),
    comments: '',
    folderId,
    ancestorIds,
    authorId: pick(r, USERS),
    type,
    contentType: 'application/octet-stream',
    customFields: { region: pick(r, REGIONS), priority: 1 + Math.floor(r() * 3) },
    createdAt: updatedAt,
    updatedAt,
    language: 'english',
  };
}

/**
 * 50 users with mixed grants (what access-filter.ts would build for them): 10 admins, 10 with
 * one top-level folder (~5 % of the documents), 10 with three subfolders (~0.3 %), 10 with
 * five top-level folders (~25 %), 10 with 20 document grants and one subfolder.
 */
export function accessOf(tenantId: string, user: number, docs: number): AccessFilter {
  const r = rng(user * 7919 + 1);
  const tops = (n: number) =>
    Array.from({ length: n }, () => folderIdOf(Math.floor(r() * TOP_FOLDERS), null));
  const subs = (n: number) =>
    Array.from({ length: n }, () => folderIdOf(Math.floor(r() * TOP_FOLDERS), Math.floor(r() * SUB_FOLDERS)));
  switch (Math.floor(user / 10)) {
    case 0:
      return { all: true };
    case 1:
      return { all: false, folderIds: tops(1), documentIds: [] };
    case 2:
      return { all: false, folderIds: subs(3), documentIds: [] };
    case 3:
      return { all: false, folderIds: [...new Set(tops(5))], documentIds: [] };
    default:
      return {
        all: false,
        folderIds: subs(1),
        documentIds: Array.from({ length: 20 }, () => docIdOf(tenantId, Math.floor(r() * docs))),
      };
  }
}
