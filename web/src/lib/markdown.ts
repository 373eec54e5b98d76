/** A small Markdown reader for the platform's own texts (quick-start guides, bulletins): headings, paragraphs,
 * lists, quotes, tables, code, bold, italics and links. It yields a tree that `MarkdownView` draws with Vue's
 * render functions, so no HTML is ever parsed or injected: any `<tag>` in the text stays plain text. */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] }

export type Align = 'left' | 'right' | 'center' | null

export type Block =
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'p'; c: Inline[] }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] }
  | { t: 'quote'; c: Block[] }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { t: 'pre'; v: string }
  | { t: 'hr' }

/** Links may only lead to the web (http, https), a mail address, or a page of this site. */
export function safeHref(href: string): string | null {
  const h = href.trim()
  if (/^(https?:|mailto:)/i.test(h)) return h
  if (/^\/(?!\/)/.test(h) || h.startsWith('#')) return h
  return null
}

export function parseInline(src: string): Inline[] {
  const out: Inline[] = []
  let text = ''
  const flush = (): void => {
    if (text) out.push({ t: 'text', v: text })
    text = ''
  }
  let i = 0
  while (i < src.length) {
    const rest = src.slice(i)
    let m: RegExpExecArray | null
    if ((m = /^`([^`]+)`/.exec(rest))) {
      flush()
      out.push({ t: 'code', v: m[1] ?? '' })
    } else if ((m = /^\*\*(.+?)\*\*/.exec(rest))) {
      flush()
      out.push({ t: 'strong', c: parseInline(m[1] ?? '') })
    } else if ((m = /^\*(?!\s)([^*]+?)\*/.exec(rest))) {
      flush()
      out.push({ t: 'em', c: parseInline(m[1] ?? '') })
    } else if ((m = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest))) {
      flush()
      const href = safeHref(m[2] ?? '')
      const c = parseInline(m[1] ?? '')
      if (href) out.push({ t: 'link', href, c })
      else out.push(...c)
    } else if ((m = /^\\([\\`*_[\]()#+\-.!|>])/.exec(rest))) {
      text += m[1]
    } else {
      text += src[i]
      i += 1
      continue
    }
    i += m[0].length
  }
  flush()
  return out
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/
const UL = /^\s{0,3}[-*+]\s+(.*)$/
const OL = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/
const QUOTE = /^\s{0,3}>\s?(.*)$/
const HR = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/
const FENCE = /^\s{0,3}(```|~~~)/
const TABLE_RULE = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/

function cells(line: string): string[] {
  let s = line.trim()
  if (s.startsWith('|')) s = s.slice(1)
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1)
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'))
}

function alignOf(rule: string): Align {
  const left = rule.startsWith(':')
  const right = rule.endsWith(':')
  if (left && right) return 'center'
  if (right) return 'right'
  if (left) return 'left'
  return null
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    HEADING.test(line) ||
    UL.test(line) ||
    OL.test(line) ||
    QUOTE.test(line) ||
    HR.test(line) ||
    FENCE.test(line) ||
    (line.includes('|') && next !== undefined && TABLE_RULE.test(next) && next.includes('-'))
  )
}

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] ?? ''
    const next = lines[i + 1]
    let m: RegExpExecArray | null
    if (!line.trim()) {
      i += 1
    } else if (FENCE.test(line)) {
      const fence = (FENCE.exec(line)?.[1] ?? '```')
      const body: string[] = []
      i += 1
      while (i < lines.length && !(lines[i] ?? '').trim().startsWith(fence)) body.push(lines[i++] ?? '')
      i += 1
      blocks.push({ t: 'pre', v: body.join('\n') })
    } else if ((m = HEADING.exec(line))) {
      blocks.push({ t: 'h', level: (m[1] ?? '#').length, c: parseInline(m[2] ?? '') })
      i += 1
    } else if (HR.test(line)) {
      blocks.push({ t: 'hr' })
      i += 1
    } else if (QUOTE.test(line)) {
      const body: string[] = []
      while (i < lines.length && (m = QUOTE.exec(lines[i] ?? ''))) {
        body.push(m[1] ?? '')
        i += 1
      }
      blocks.push({ t: 'quote', c: parseMarkdown(body.join('\n')) })
    } else if (UL.test(line) || OL.test(line)) {
      const ordered = !UL.test(line)
      const marker = ordered ? OL : UL
      const items: string[] = []
      const start = ordered ? Number(OL.exec(line)?.[1] ?? 1) : 1
      while (i < lines.length) {
        const cur = lines[i] ?? ''
        const item = marker.exec(cur)
        if (item) {
          items.push((ordered ? item[2] : item[1]) ?? '')
        } else if (cur.trim() && /^\s+/.test(cur) && items.length) {
          items[items.length - 1] += ` ${cur.trim()}` // a wrapped line of the item above
        } else break
        i += 1
      }
      const parsed = items.map((it) => parseInline(it))
      blocks.push(ordered ? { t: 'ol', start, items: parsed } : { t: 'ul', items: parsed })
    } else if (line.includes('|') && next !== undefined && TABLE_RULE.test(next) && next.includes('-')) {
      const head = cells(line)
      const align = cells(next).map(alignOf)
      const rows: Inline[][][] = []
      i += 2
      while (i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim()) {
        const row = cells(lines[i] ?? '')
        rows.push(head.map((_, k) => parseInline(row[k] ?? '')))
        i += 1
      }
      blocks.push({ t: 'table', align: head.map((_, k) => align[k] ?? null), head: head.map(parseInline), rows })
    } else {
      const body: string[] = [line.trim()]
      i += 1
      while (i < lines.length && (lines[i] ?? '').trim() && !startsBlock(lines[i] ?? '', lines[i + 1])) {
        body.push((lines[i] ?? '').trim())
        i += 1
      }
      // Chinese lines wrap without a space; others get one.
      const joined = body.reduce((acc, cur) => (acc && /[\u3000-\u9fff\uff00-\uffef]$/.test(acc) ? acc + cur : `${acc} ${cur}`))
      blocks.push({ t: 'p', c: parseInline(joined) })
    }
  }
  return blocks
}

/** The text of the first heading (a guide's title). */
export function firstHeading(blocks: Block[]): string {
  const h = blocks.find((b): b is Extract<Block, { t: 'h' }> => b.t === 'h')
  return h ? plain(h.c) : ''
}

export function plain(inlines: Inline[]): string {
  return inlines.map((n) => (n.t === 'text' || n.t === 'code' ? n.v : plain(n.c))).join('')
}
