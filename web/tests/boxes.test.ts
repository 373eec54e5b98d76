import { describe, expect, it } from 'vitest'

import { labelWidth, overlayBoxes, parseBoxes, placeLabels, toPixels, type PixelRect } from '@/lib/boxes'

describe('box overlay geometry', () => {
  it('places a box in percent of the frame', () => {
    const [b] = overlayBoxes([{ label: 'no_mask', score: 0.91, x1: 160, y1: 120, x2: 480, y2: 360 }], 640, 480)
    expect(b).toEqual({ left: 25, top: 25, width: 50, height: 50, label: 'no_mask', score: 0.91 })
  })

  it.each([
    [1280, 720],
    [640, 360],
    [333, 187],
  ])('lands on the same pixels at any display size (%i×%i)', (w, h) => {
    const [b] = overlayBoxes([{ x1: 192, y1: 108, x2: 384, y2: 324 }], 1920, 1080)
    const px = toPixels(b!, w, h)
    expect(px.x).toBeCloseTo(w * 0.1, 2)
    expect(px.y).toBeCloseTo(h * 0.1, 2)
    expect(px.w).toBeCloseTo(w * 0.1, 2)
    expect(px.h).toBeCloseTo(h * 0.2, 2)
  })

  it('clips boxes that run off the frame', () => {
    const [b] = overlayBoxes([{ x1: -50, y1: -10, x2: 700, y2: 100 }], 640, 480)
    expect(b).toMatchObject({ left: 0, top: 0, width: 100 })
    expect(b!.height).toBeCloseTo((100 / 480) * 100, 3)
  })

  it('drops empty or nonsense boxes, and draws nothing without a frame size', () => {
    expect(overlayBoxes([{ x1: 10, y1: 10, x2: 10, y2: 50 }], 640, 480)).toEqual([])
    expect(overlayBoxes([{ x1: 700, y1: 10, x2: 800, y2: 50 }], 640, 480)).toEqual([])
    expect(overlayBoxes([{ x1: Number.NaN, y1: 0, x2: 1, y2: 1 }], 640, 480)).toEqual([])
    expect(overlayBoxes([{ x1: 0, y1: 0, x2: 10, y2: 10 }], 0, 480)).toEqual([])
  })

  it('orders swapped corners', () => {
    const [b] = overlayBoxes([{ x1: 480, y1: 360, x2: 160, y2: 120 }], 640, 480)
    expect(b).toMatchObject({ left: 25, top: 25, width: 50, height: 50 })
  })

  it('reads the API’s free-form boxes, keeping only those with numeric corners', () => {
    expect(
      parseBoxes([
        { label: 'person', score: 0.8, x1: 1, y1: 2, x2: 3, y2: 4, track_id: 7 },
        { x1: '1', y1: 2, x2: 3, y2: 4 },
        null,
        'x',
      ]),
    ).toEqual([{ label: 'person', score: 0.8, x1: 1, y1: 2, x2: 3, y2: 4 }])
    expect(parseBoxes(undefined)).toEqual([])
  })
})

describe('box labels', () => {
  const W = 640
  const H = 360
  const size = { w: 90, h: 18 }
  const overlap = (a: PixelRect, b: PixelRect): boolean =>
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
  const rects = (spots: { x: number; y: number }[]): PixelRect[] => spots.map((s) => ({ ...s, ...size }))

  it('puts a label just above its box when there is room', () => {
    expect(placeLabels([{ x: 100, y: 100, w: 80, h: 120 }], [size], W, H)).toEqual([{ x: 100, y: 82 }])
  })

  it('keeps a label inside the picture at the top and right edges', () => {
    const [top, right] = placeLabels(
      [
        { x: 10, y: 0, w: 80, h: 100 },
        { x: 600, y: 200, w: 40, h: 100 },
      ],
      [size, size],
      W,
      H,
    )
    expect(top).toEqual({ x: 10, y: 0 }) // inside the box's top: above would leave the picture
    expect(right!.x + size.w).toBeLessThanOrEqual(W)
    expect(right!.y).toBe(182)
  })

  it('never lets two labels overlap, even for boxes side by side or stacked', () => {
    const boxes: PixelRect[] = [
      { x: 100, y: 100, w: 60, h: 150 },
      { x: 130, y: 105, w: 60, h: 150 },
      { x: 160, y: 98, w: 60, h: 150 },
      { x: 100, y: 0, w: 60, h: 40 },
      { x: 105, y: 2, w: 60, h: 40 },
    ]
    const spots = rects(placeLabels(boxes, boxes.map(() => size), W, H))
    for (const [i, a] of spots.entries()) {
      expect(a.x).toBeGreaterThanOrEqual(0)
      expect(a.y).toBeGreaterThanOrEqual(0)
      expect(a.x + a.w).toBeLessThanOrEqual(W)
      expect(a.y + a.h).toBeLessThanOrEqual(H)
      for (const b of spots.slice(i + 1)) expect(overlap(a, b)).toBe(false)
    }
  })

  it('measures Chinese labels wider than Latin ones of the same length', () => {
    expect(labelWidth('未戴口罩 96%')).toBeGreaterThan(labelWidth('abcd 96%'))
    expect(labelWidth('未戴口罩 96%')).toBeGreaterThanOrEqual(4 * 12 + 8)
  })
})
