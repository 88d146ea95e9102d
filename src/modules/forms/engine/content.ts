/**
 * Markdown-lite for content written in a definition (page content, hints of content pages):
 * paragraphs split by blank lines, `- ` or `* ` bullets, `1. ` numbered lists, `## `
 * headings and `[text](href)` links to https:, mailto:, tel: or this site ('/...'). The
 * result is data, never HTML: the runner renders it with escaping, so staff text cannot
 * inject markup.
 */

export type Inline = { text: string; href?: string };
export type Block =
  | { type: 'paragraph'; inlines: Inline[] }
  | { type: 'heading'; inlines: Inline[] }
  | { type: 'list'; ordered: boolean; items: Inline[][] };

const linkPattern = /\[([^\]\n]+)\]\(([^)\s]+)\)/g;

function safeHref(href: string): boolean {
  return /^(https:\/\/|http:\/\/|mailto:|tel:)/i.test(href) || /^\/(?!\/)/.test(href);
}

export function inlines(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(linkPattern)) {
    if (!safeHref(m[2]!)) continue;
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: m[1]!, href: m[2]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

export function contentBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length) blocks.push({ type: 'paragraph', inlines: inlines(paragraph.join(' ')) });
    if (list) blocks.push({ type: 'list', ordered: list.ordered, items: list.items.map(inlines) });
    paragraph = [];
    list = undefined;
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    const numbered = /^\d+[.)]\s+(.*)$/.exec(line);
    const heading = /^#{2,3}\s+(.*)$/.exec(line);
    if (!line) flush();
    else if (heading) {
      flush();
      blocks.push({ type: 'heading', inlines: inlines(heading[1]!) });
    } else if (bullet || numbered) {
      const ordered = !bullet;
      if (paragraph.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (list) {
      // A line under a bullet continues it.
      list.items[list.items.length - 1] += ` ${line}`;
    } else paragraph.push(line);
  }
  flush();
  return blocks;
}
