import { describe } from 'vitest';
import { defineSearchCases } from './cases.ts';
import { ENGINES } from './engines.ts';

for (const engine of ENGINES) describe(`search engine: ${engine.name}`, () => defineSearchCases(engine));
