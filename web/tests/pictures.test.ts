import { describe, expect, it } from 'vitest'

import { timeAgo } from '@/lib/format'
import { KEEP_LINK_MS, pictureLinks, type ShownPicture } from '@/lib/pictures'

const NOW = Date.parse('2025-03-10T08:30:00Z')
const before = (ms: number): string => new Date(NOW - ms).toISOString()
const MIN = 60_000

describe('timeAgo', () => {
  it('says "just now" under a minute, and for a time a little ahead of this clock', () => {
    expect(timeAgo(before(0), NOW, 'zh-CN', '刚刚')).toBe('刚刚')
    expect(timeAgo(before(59_000), NOW, 'en', 'just now')).toBe('just now')
    expect(timeAgo(before(-30_000), NOW, 'en', 'just now')).toBe('just now')
  })

  it('counts whole minutes under an hour and whole hours under a day, in the reader language', () => {
    expect(timeAgo(before(MIN), NOW, 'zh-CN', '刚刚')).toBe('1分钟前')
    expect(timeAgo(before(3 * MIN + 59_000), NOW, 'zh-CN', '刚刚')).toBe('3分钟前')
    expect(timeAgo(before(3 * MIN), NOW, 'en', 'just now')).toBe('3 minutes ago')
    expect(timeAgo(before(MIN), NOW, 'en', 'just now')).toBe('1 minute ago')
    expect(timeAgo(before(59 * MIN), NOW, 'en', 'just now')).toBe('59 minutes ago')
    expect(timeAgo(before(60 * MIN), NOW, 'en', 'just now')).toBe('1 hour ago')
    expect(timeAgo(before(23 * 60 * MIN + 59 * MIN), NOW, 'zh-CN', '刚刚')).toBe('23小时前')
  })

  it('gives the date and time from a day on, and a dash for nothing', () => {
    const old = before(26 * 60 * MIN)
    const text = timeAgo(old, NOW, 'zh-CN', '刚刚')
    expect(text).toMatch(/2025/)
    expect(text).not.toMatch(/前/)
    expect(timeAgo(null, NOW, 'en', 'just now')).toBe('—')
    expect(timeAgo('not a date', NOW, 'en', 'just now')).toBe('—')
  })
})

describe('pictureLinks', () => {
  const cam = (id: number, at: string | null, url: string | null) => ({
    id,
    latest_picture_at: at,
    latest_picture_url: url,
  })
  const byId = (c: { id: number }): number => c.id

  it('gives a link only to cameras with a picture', () => {
    const cameras: { id: number; latest_picture_at?: string | null; latest_picture_url?: string | null }[] = [
      cam(1, before(0), '/p/1?sig=a'),
      cam(2, null, null),
      { id: 3 }, // a platform without the fields
    ]
    const links = pictureLinks(new Map(), cameras, byId, NOW)
    expect([...links.keys()]).toEqual([1])
    expect(links.get(1)).toEqual({ url: '/p/1?sig=a', at: before(0), received: NOW })
  })

  it('keeps the link already shown while it is the same picture and young, so it is not downloaded again', () => {
    const first = pictureLinks(new Map(), [cam(1, before(0), '/p/1?sig=a')], byId, NOW)
    // the same instant written another way is the same picture
    const same = new Date(Date.parse(before(0))).toISOString().replace('Z', '+00:00')
    const next = pictureLinks(first, [cam(1, same, '/p/1?sig=b')], byId, NOW + MIN)
    expect(next.get(1)).toBe(first.get(1))
  })

  it('takes the new link for a newer picture, and for the same picture once the shown link is old', () => {
    const first = pictureLinks(new Map(), [cam(1, before(0), '/p/1?sig=a')], byId, NOW)
    const newer = pictureLinks(first, [cam(1, before(-MIN), '/p/1?sig=b')], byId, NOW + MIN)
    expect(newer.get(1)).toEqual({ url: '/p/1?sig=b', at: before(-MIN), received: NOW + MIN })
    const aged = pictureLinks(first, [cam(1, before(0), '/p/1?sig=c')], byId, NOW + KEEP_LINK_MS)
    expect(aged.get(1)?.url).toBe('/p/1?sig=c')
  })

  it('forgets cameras that are gone or whose picture is gone', () => {
    const prev = new Map<number, ShownPicture>([[1, { url: '/p/1?sig=a', at: before(0), received: NOW }]])
    expect(pictureLinks(prev, [cam(1, null, null)], byId, NOW).size).toBe(0)
    expect(pictureLinks(prev, [], byId, NOW).size).toBe(0)
  })
})
