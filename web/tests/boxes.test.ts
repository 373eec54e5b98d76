import { describe, expect, it } from 'vitest'

import { LABEL_ROOM, overlayBoxes, parseBoxes, toPixels } from '@/lib/boxes'

describe('box overlay geometry', () => {
  it('places a box in percent of the frame', () => {
    const [b] = overlayBoxes([{ label: 'no_mask', score: 0.91, x1: 160, y1: 120, x2: 480, y2: 360 }], 640, 480)
    expect(b).toEqual({ left: 25, top: 25, width: 50, height: 50, label: 'no_mask', score: 0.91, labelInside: false })
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

  it('puts the label inside a box at the top edge, above it otherwise', () => {
    const top = (LABEL_ROOM / 100) * 480
    const [high, low] = overlayBoxes(
      [
        { x1: 0, y1: top - 1, x2: 10, y2: top + 50 },
        { x1: 0, y1: top + 1, x2: 10, y2: top + 50 },
      ],
      640,
      480,
    )
    expect(high!.labelInside).toBe(true)
    expect(low!.labelInside).toBe(false)
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
