import { describe, expect, it } from 'vitest'

import { firstHeading, parseInline, parseMarkdown, plain, safeHref } from '@/lib/markdown'

describe('markdown', () => {
  it('reads headings, paragraphs, lists with wrapped lines, quotes and tables', () => {
    const blocks = parseMarkdown(
      [
        '# 学校端快速上手',
        '',
        '适用于学校管理员。登录后首页是 **今日待办**。',
        '',
        '## 1. 查看',
        '1. 打开 **今日待办**：列出',
        '   今天的预警。',
        '2. 点击 `预警`',
        '',
        '- a',
        '- b',
        '',
        '> 整改期限默认是当天',
        '',
        '| 区域 | 总数 |',
        '|---|---:|',
        '| 东街道 | 2 |',
      ].join('\n'),
    )
    expect(blocks.map((b) => b.t)).toEqual(['h', 'p', 'h', 'ol', 'ul', 'quote', 'table'])
    expect(firstHeading(blocks)).toBe('学校端快速上手')
    const ol = blocks[3]
    expect(ol?.t === 'ol' && ol.items.map(plain)).toEqual(['打开 今日待办：列出 今天的预警。', '点击 预警'])
    const table = blocks[6]
    expect(table?.t === 'table' && table.align).toEqual([null, 'right'])
    expect(table?.t === 'table' && table.rows.map((r) => r.map(plain))).toEqual([['东街道', '2']])
  })

  it('joins wrapped Chinese lines without a space and others with one', () => {
    const [zh] = parseMarkdown('打开 **监管总览**：在线率，以及\n“需要关注”的单位')
    expect(zh?.t === 'p' && plain(zh.c)).toBe('打开 监管总览：在线率，以及“需要关注”的单位')
    const [en] = parseMarkdown('Open the\noverview')
    expect(en?.t === 'p' && plain(en.c)).toBe('Open the overview')
  })

  it('keeps HTML as plain text and drops unsafe links', () => {
    const [p] = parseMarkdown('<img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.org/a)')
    expect(p?.t).toBe('p')
    if (p?.t !== 'p') return
    expect(p.c[0]).toEqual({ t: 'text', v: '<img src=x onerror=alert(1)> ' })
    expect(p.c.filter((n) => n.t === 'link')).toEqual([{ t: 'link', href: 'https://example.org/a', c: [{ t: 'text', v: 'ok' }] }])
    expect(plain(p.c)).toContain('x')
  })

  it('allows web, mail and same-site links only', () => {
    expect(safeHref('https://a.b/c')).toBe('https://a.b/c')
    expect(safeHref('/help?guide=installer')).toBe('/help?guide=installer')
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c')
    for (const bad of ['javascript:alert(1)', ' JavaScript:x', 'data:text/html,x', '//evil.example/x', 'vbscript:x'])
      expect(safeHref(bad), bad).toBeNull()
  })

  it('reads bold, italics, code and escapes', () => {
    expect(parseInline('**a** *b* `c*d*` \\*e\\*')).toEqual([
      { t: 'strong', c: [{ t: 'text', v: 'a' }] },
      { t: 'text', v: ' ' },
      { t: 'em', c: [{ t: 'text', v: 'b' }] },
      { t: 'text', v: ' ' },
      { t: 'code', v: 'c*d*' },
      { t: 'text', v: ' *e*' },
    ])
  })

  it('reads a fenced code block verbatim', () => {
    expect(parseMarkdown('```\n# not a heading\n**x**\n```')).toEqual([{ t: 'pre', v: '# not a heading\n**x**' }])
  })
})
