/**
 * A light language guess for choosing the Postgres text-search configuration.
 *
 * Method: lower-case the first `SAMPLE_TOKENS` words and count, per language, how many are
 * among that language's ~40 most frequent function words (articles, pronouns, prepositions,
 * auxiliaries — from the Snowball stopword lists). The best language wins when it has at
 * least `MIN_HITS` hits, they are at least `MIN_SHARE` of the words, and it leads the
 * runner-up by `MIN_LEAD`×; otherwise the answer is 'simple' (no stemming, no stopwords),
 * which is always safe for indexing. Text in Cyrillic counts only for 'russian'.
 *
 * Every name returned exists in a stock PostgreSQL (`select cfgname from pg_ts_config`).
 */
export const SAMPLE_TOKENS = 5_000;
const MIN_HITS = 3;
const MIN_SHARE = 0.08;
const MIN_LEAD = 1.25;

const STOPWORDS: Record<string, string> = {
  english:
    'the of and to in is that it was for on are with as be at by this have from or an were which but not they you he she his her their we has had been there would will what all can if its who our these those than into about',
  german:
    'der die das und ist nicht zu den von mit sich des auf für im dem ein eine einen einem einer auch es an als wir ich sie er wird sind werden war wurde nach bei aus noch wie über oder aber vom zum zur durch',
  french:
    'le la les et des est une un du en que qui dans pour pas sur au aux ce cette il elle ils nous vous sont avec plus par ne se son sa ses leur être été mais ou où comme tout',
  spanish:
    'el la los las y en del que es por un una con para se no al lo como más pero sus su le ha este esta son entre cuando muy sin sobre también fue hay donde desde todo nos durante',
  italian:
    'il la le gli di che e è un una per non sono con del della dei delle al alla si lo nel nella ma come anche più questo questa ha hanno essere stato dal dalla sul sulla tra',
  portuguese:
    'o a os as de que e do da dos das em um uma para com não no na nos nas por mais se como mas foi ao ele ela são seu sua isso também já está pelo pela entre',
  dutch:
    'de het een en van in is dat op te zijn niet met voor er maar om ook als aan hij zij ze wordt werd door naar bij uit dan nog wel geen kan heeft deze dit worden',
  swedish:
    'och att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan när efter under också hade ska skulle eller vara sina detta dessa',
  danish:
    'og at det som en på er af for med til den har de ikke om et han men var jeg sig fra vi så kan når efter under også havde skal skulle eller være sine dette disse',
  norwegian:
    'og at det som en på er av for med til den har de ikke om et han men var jeg seg fra vi så kan når etter under også hadde skal skulle eller være sine dette disse',
  finnish:
    'ja on ei se että oli ovat hän mutta kuin myös tai joka jotka ole olla ollut sen hänen niin kun vain nyt jo mitä tämä nämä minä sinä me te he siitä sitä',
  russian:
    'и в не на что с он как по это она к но они мы из у же от за для то вы бы так был было были его ее их все еще только или при о до',
  turkish:
    've bir bu da de için ile çok daha gibi olarak ne ama olan kadar sonra veya ki en her mi şu o ben sen biz siz onlar değil var yok',
  hungarian:
    'a az és hogy nem is egy meg van volt már csak de ez azt mint még ki el sem vagy kell lesz után pedig vagyis amely ami mert között ezt az',
};

const SETS: Array<[string, Set<string>]> = Object.entries(STOPWORDS).map(([lang, words]) => [
  lang,
  new Set(words.split(' ')),
]);

const WORD = /\p{L}+/gu;
const CYRILLIC = /\p{Script=Cyrillic}/u;

export function detectLanguage(text: string): string {
  const counts = new Map<string, number>();
  let tokens = 0;
  let cyrillic = 0;
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLowerCase();
    tokens++;
    if (CYRILLIC.test(word)) cyrillic++;
    for (const [lang, set] of SETS) {
      if (set.has(word)) counts.set(lang, (counts.get(lang) ?? 0) + 1);
    }
    if (tokens >= SAMPLE_TOKENS) break;
  }
  if (tokens === 0) return 'simple';
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best) return 'simple';
  const [lang, hits] = best;
  if (lang !== 'russian' && cyrillic > tokens / 2) return 'simple';
  if (hits < MIN_HITS || hits / tokens < MIN_SHARE) return 'simple';
  if (second && hits < second[1] * MIN_LEAD) return 'simple';
  return lang;
}
