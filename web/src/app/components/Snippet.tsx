import type { ReactNode } from 'react';

/**
 * A search snippet: the cell sends HTML with matches in <mark> and everything else escaped.
 * Parsed, not injected: only text and <mark> survive, so nothing in a document can run here.
 */
export function Snippet({ html }: { html: string }) {
  const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
  const out: ReactNode[] = [];
  let i = 0;
  const walk = (node: Node, marked: boolean) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = child.textContent ?? '';
        out.push(marked ? <mark key={i++}>{text}</mark> : text);
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        walk(child, marked || (child as Element).tagName === 'MARK');
      }
    }
  };
  walk(doc.body, false);
  return <p className="snippet">{out}</p>;
}
