import { emptySearch, type SearchParams } from '../api/search.ts';

/**
 * The search the user is running, kept in memory for the tab (and across screens: back from a
 * hit shows the same results). Never in the URL: search terms are tenant content.
 */
let state: SearchParams = emptySearch;
export const searchState = {
  get: () => state,
  set: (next: SearchParams) => {
    state = next;
  },
};
