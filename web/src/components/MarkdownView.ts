/** Draws a parsed Markdown tree (lib/markdown) with render functions: text nodes only, never v-html. */

import { defineComponent, h, type PropType, type VNode } from 'vue'

import { parseMarkdown, type Block, type Inline } from '@/lib/markdown'

function inline(nodes: Inline[]): Array<VNode | string> {
  return nodes.map((n) => {
    switch (n.t) {
      case 'text':
        return n.v
      case 'code':
        return h('code', n.v)
      case 'strong':
        return h('strong', inline(n.c))
      case 'em':
        return h('em', inline(n.c))
      case 'link': {
        const external = /^(https?:|mailto:)/i.test(n.href)
        return h('a', external ? { href: n.href, target: '_blank', rel: 'noopener noreferrer' } : { href: n.href }, inline(n.c))
      }
    }
  })
}

function block(b: Block): VNode {
  switch (b.t) {
    case 'h':
      return h(`h${Math.min(6, b.level)}`, inline(b.c))
    case 'p':
      return h('p', inline(b.c))
    case 'ul':
      return h('ul', b.items.map((it) => h('li', inline(it))))
    case 'ol':
      return h('ol', b.start !== 1 ? { start: b.start } : {}, b.items.map((it) => h('li', inline(it))))
    case 'quote':
      return h('blockquote', b.c.map(block))
    case 'pre':
      return h('pre', h('code', b.v))
    case 'hr':
      return h('hr')
    case 'table':
      return h('div', { class: 'bk-md-table' }, [
        h('table', [
          h('thead', h('tr', b.head.map((c, k) => h('th', { style: b.align[k] ? { textAlign: b.align[k] } : {} }, inline(c))))),
          h(
            'tbody',
            b.rows.map((row) => h('tr', row.map((c, k) => h('td', { style: b.align[k] ? { textAlign: b.align[k] } : {} }, inline(c))))),
          ),
        ]),
      ])
  }
}

export default defineComponent({
  name: 'MarkdownView',
  props: { source: { type: String as PropType<string>, required: true } },
  setup(props) {
    return () => h('div', { class: 'bk-markdown' }, parseMarkdown(props.source).map(block))
  },
})
