import { describe, expect, it } from 'vitest'

import { SseParser } from '@/lib/useLiveFeed'

describe('the event-stream parser', () => {
  it('reads events, ids and data, and skips comments', () => {
    const p = new SseParser()
    const out = p.push('retry: 3000\n: connected\n\nid: 7\nevent: alert\ndata: {"alert_id":3}\n\n: keep-alive\n\n')
    expect(out).toEqual([{ event: 'alert', data: '{"alert_id":3}', id: '7' }])
  })

  it('puts together an event split anywhere across chunks, CRLF included', () => {
    const p = new SseParser()
    const text = 'id: 12\r\nevent: alert\r\ndata: {"a":1}\r\n\r\nevent: reset\r\ndata: {}\r\n\r\n'
    const out = []
    for (const ch of text) out.push(...p.push(ch))
    expect(out).toEqual([
      { event: 'alert', data: '{"a":1}', id: '12' },
      { event: 'reset', data: '{}', id: null },
    ])
  })

  it('joins multi-line data and defaults the event name', () => {
    const p = new SseParser()
    expect(p.push('data: one\ndata:two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo', id: null }])
  })

  it('holds back a half event until its blank line', () => {
    const p = new SseParser()
    expect(p.push('event: bye\ndata: {"reason":"reconnect"}\n')).toEqual([])
    expect(p.push('\n')).toEqual([{ event: 'bye', data: '{"reason":"reconnect"}', id: null }])
  })
})
