import { posix } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { ExtractionError } from '../errors.ts';
import type { TextSink } from '../sink.ts';
import { guardZip, type ZipLimits } from '../zip-guard.ts';

/**
 * PowerPoint: the zip gate hands us the slide, notes and relationship parts (inflated under
 * its caps); fast-xml-parser reads them. Slides come in presentation order (the slide id
 * list), each followed by its speaker notes. Text is every `a:t` run in document order, a
 * line per `a:p` paragraph — titles, bodies, tables and grouped shapes alike.
 */
const KEEP = /^ppt\/(presentation\.xml|_rels\/presentation\.xml\.rels|slides\/|notesSlides\/)/;

const attrs = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'Relationship' || name === 'p:sldId',
});
const ordered = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

type Node = Record<string, unknown>;

export async function extractPptx(bytes: Uint8Array, sink: TextSink, limits: ZipLimits): Promise<void> {
  const parts = await guardZip(bytes, limits, (name) => KEEP.test(name));
  if (!parts.has('ppt/presentation.xml'))
    throw new ExtractionError('corrupt', 'not a PowerPoint presentation');
  try {
    for (const slidePath of slideOrder(parts)) {
      if (sink.full) break;
      const slide = parts.get(slidePath);
      if (!slide) continue;
      collectText(ordered.parse(slide.toString('utf8')) as Node[], sink);
      sink.paragraph();
      const notesPath = relTargets(parts, slidePath, '/notesSlide')[0];
      const notes = notesPath ? parts.get(notesPath) : undefined;
      if (notes) {
        collectText(ordered.parse(notes.toString('utf8')) as Node[], sink);
        sink.paragraph();
      }
    }
  } catch (err) {
    if (err instanceof ExtractionError) throw err;
    throw new ExtractionError('corrupt', 'the presentation could not be parsed');
  }
}

/** Slide part paths in presentation order; falls back to slideN numbering if the id list is missing. */
function slideOrder(parts: Map<string, Buffer>): string[] {
  const byNumber = [...parts.keys()]
    .filter((name) => /^ppt\/slides\/slide\d+\.xml$/.test(name))
    .sort((a, b) => slideNumber(a) - slideNumber(b));
  const presentation = attrs.parse(parts.get('ppt/presentation.xml')!.toString('utf8')) as Node;
  const ids = dig(presentation, ['p:presentation', 'p:sldIdLst', 'p:sldId']);
  if (!Array.isArray(ids)) return byNumber;
  const targets = relMap(parts, 'ppt/presentation.xml');
  const ordered = ids
    .map((id) => targets.get(String((id as Node)['r:id'])))
    .filter((path): path is string => path !== undefined && parts.has(path));
  return ordered.length > 0 ? ordered : byNumber;
}

function slideNumber(path: string): number {
  return Number(/(\d+)\.xml$/.exec(path)?.[1] ?? 0);
}

/** Relationship id → resolved part path for the part at `partPath`. */
function relMap(parts: Map<string, Buffer>, partPath: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const rel of rels(parts, partPath)) map.set(rel.id, rel.target);
  return map;
}

function relTargets(parts: Map<string, Buffer>, partPath: string, typeSuffix: string): string[] {
  return rels(parts, partPath)
    .filter((rel) => rel.type.endsWith(typeSuffix))
    .map((rel) => rel.target);
}

function rels(
  parts: Map<string, Buffer>,
  partPath: string,
): Array<{ id: string; type: string; target: string }> {
  const dir = posix.dirname(partPath);
  const relsPath = `${dir}/_rels/${posix.basename(partPath)}.rels`;
  const xml = parts.get(relsPath);
  if (!xml) return [];
  const list = dig(attrs.parse(xml.toString('utf8')) as Node, ['Relationships', 'Relationship']);
  if (!Array.isArray(list)) return [];
  return list.map((raw) => {
    const rel = raw as Node;
    const target = String(rel.Target ?? '');
    return {
      id: String(rel.Id ?? ''),
      type: String(rel.Type ?? ''),
      target: target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(dir, target)),
    };
  });
}

function dig(node: unknown, path: string[]): unknown {
  let current = node;
  for (const key of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Node)[key];
  }
  return current;
}

/** Walk a preserveOrder tree: text of `a:t` runs, a newline per paragraph and line break. */
function collectText(nodes: Node[], sink: TextSink): void {
  for (const node of nodes) {
    for (const [tag, children] of Object.entries(node)) {
      if (tag === ':@' || !Array.isArray(children)) continue;
      if (tag === 'a:t') {
        for (const child of children as Node[]) {
          const text = child['#text'];
          if (text !== undefined) sink.push(String(text));
        }
        continue;
      }
      if (tag === 'a:fld') continue; // slide numbers and dates: layout, not content
      if (tag === 'a:br') {
        sink.push('\n');
        continue;
      }
      collectText(children as Node[], sink);
      if (tag === 'a:p') sink.push('\n');
      else if (tag === 'a:tc') sink.push('\t');
    }
  }
}
