import { describe, expect, it } from 'vitest'

import {
  boxFromDrag,
  growBox,
  MIN_SIDE,
  moveBox,
  normalize,
  resizeBox,
  roundBox,
  sameBoxes,
  toPixels,
  toRelative,
  toYolo,
  type RelBox,
} from '@/views/ai/boxGeometry'
import { neighbours } from '@/views/ai/neighbours'
import { KEY_STEP, useBoxEditor } from '@/views/ai/useBoxEditor'

const box = (x1: number, y1: number, x2: number, y2: number, label = 'no_mask'): RelBox => ({ label, x1, y1, x2, y2 })
const near = (a: RelBox, b: RelBox): void => {
  expect(a.label).toBe(b.label)
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(a[k], k).toBeCloseTo(b[k], 9)
}

describe('box geometry', () => {
  it('turns pointer pixels into relative points and boxes into pixels, both ways', () => {
    expect(toRelative(320, 90, 640, 360)).toEqual({ x: 0.5, y: 0.25 })
    // A pointer outside the picture (a drag that left it) is held at the edge.
    expect(toRelative(-20, 400, 640, 360)).toEqual({ x: 0, y: 1 })
    expect(toRelative(10, 10, 0, 0)).toEqual({ x: 0, y: 0 })
    expect(toPixels(box(0.25, 0.5, 0.75, 1), 800, 400)).toEqual({ x: 200, y: 200, w: 400, h: 200 })
    const p = toPixels(box(0.1, 0.2, 0.4, 0.6), 1280, 720)
    const back = [toRelative(p.x, p.y, 1280, 720), toRelative(p.x + p.w, p.y + p.h, 1280, 720)]
    near(box(back[0]!.x, back[0]!.y, back[1]!.x, back[1]!.y), box(0.1, 0.2, 0.4, 0.6))
  })

  it('orders corners and keeps them inside the picture', () => {
    near(normalize(box(0.8, 0.9, 0.2, -0.1)), box(0.2, 0, 0.8, 0.9))
    near(normalize(box(-0.5, 0.2, 1.5, 0.4)), box(0, 0.2, 1, 0.4))
  })

  it('moves a box without changing its size, stopping at the edges', () => {
    near(moveBox(box(0.1, 0.1, 0.3, 0.4), 0.2, 0.1), box(0.3, 0.2, 0.5, 0.5))
    near(moveBox(box(0.1, 0.1, 0.3, 0.4), 0.9, -0.5), box(0.8, 0, 1, 0.3))
    near(moveBox(box(0.6, 0.7, 0.9, 0.95), -2, 2), box(0, 0.75, 0.3, 1))
  })

  it('resizes by the dragged corner, the opposite corner fixed, never inside out', () => {
    const b = box(0.2, 0.2, 0.6, 0.5)
    near(resizeBox(b, 'se', { x: 0.7, y: 0.8 }), box(0.2, 0.2, 0.7, 0.8))
    near(resizeBox(b, 'nw', { x: 0.1, y: 0.05 }), box(0.1, 0.05, 0.6, 0.5))
    near(resizeBox(b, 'ne', { x: 0.9, y: 0.3 }), box(0.2, 0.3, 0.9, 0.5))
    near(resizeBox(b, 'sw', { x: 0.3, y: 0.9 }), box(0.3, 0.2, 0.6, 0.9))
    // Past the opposite corner: stops MIN_SIDE short of it.
    near(resizeBox(b, 'se', { x: 0.05, y: 0.1 }), box(0.2, 0.2, 0.2 + MIN_SIDE, 0.2 + MIN_SIDE))
    near(resizeBox(b, 'nw', { x: 0.9, y: 0.9 }), box(0.6 - MIN_SIDE, 0.5 - MIN_SIDE, 0.6, 0.5))
    // Beyond the picture: held at its edge.
    near(resizeBox(b, 'se', { x: 1.4, y: 1.2 }), box(0.2, 0.2, 1, 1))
    near(resizeBox(b, 'nw', { x: -0.3, y: -1 }), box(0, 0, 0.6, 0.5))
    near(growBox(b, 0.1, -0.1), box(0.2, 0.2, 0.7, 0.4))
  })

  it('draws a new box from either direction, and ignores a click', () => {
    near(boxFromDrag({ x: 0.6, y: 0.7 }, { x: 0.2, y: 0.3 }, 'mask')!, box(0.2, 0.3, 0.6, 0.7, 'mask'))
    expect(boxFromDrag({ x: 0.5, y: 0.5 }, { x: 0.502, y: 0.6 }, 'mask')).toBeNull()
  })

  it('rounds to a millionth, compares lists, and gives the YOLO numbers', () => {
    expect(roundBox(box(0.1234567, 0.2, 0.3000004, 0.4))).toEqual(box(0.123457, 0.2, 0.3, 0.4))
    expect(sameBoxes([box(0.1, 0.2, 0.3, 0.4)], [box(0.1000000001, 0.2, 0.3, 0.4)])).toBe(true)
    expect(sameBoxes([box(0.1, 0.2, 0.3, 0.4)], [box(0.1, 0.2, 0.3, 0.4, 'mask')])).toBe(false)
    expect(sameBoxes([box(0.1, 0.2, 0.3, 0.4)], [])).toBe(false)
    const [cx, cy, w, h] = toYolo(box(0.2, 0.3, 0.6, 0.5))
    expect([cx, cy, w, h].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.4, 0.4, 0.4, 0.2])
  })

  it('finds the unreviewed frames either side of the one open', () => {
    expect(neighbours([9, 3, 12, 7, 5], 7)).toEqual({ previous: 5, next: 9 })
    expect(neighbours([9, 3], 1)).toEqual({ previous: null, next: 3 })
    expect(neighbours([], 4)).toEqual({ previous: null, next: null })
  })
})

describe('the box editor', () => {
  it('moves the pressed box with the pointer and says it changed', () => {
    const e = useBoxEditor([box(0.2, 0.2, 0.4, 0.4)])
    e.startMove(0, { x: 0.3, y: 0.3 })
    expect(e.selected.value).toBe(0)
    e.dragTo({ x: 0.35, y: 0.32 })
    e.dragTo({ x: 0.5, y: 0.4 })
    expect(e.endDrag()).toBe(true)
    near(e.boxes.value[0]!, box(0.4, 0.3, 0.6, 0.5))
    // A press without a move changes nothing.
    e.startMove(0, { x: 0.5, y: 0.4 })
    expect(e.endDrag()).toBe(false)
  })

  it('resizes by a corner and draws a new box with the last label chosen', () => {
    const e = useBoxEditor([box(0.2, 0.2, 0.4, 0.4, 'mask')])
    e.startResize(0, 'se')
    e.dragTo({ x: 0.5, y: 0.6 })
    expect(e.endDrag()).toBe(true)
    near(e.boxes.value[0]!, box(0.2, 0.2, 0.5, 0.6, 'mask'))
    e.startDraw({ x: 0.9, y: 0.9 })
    e.dragTo({ x: 0.7, y: 0.6 })
    near(e.draft.value!, box(0.7, 0.6, 0.9, 0.9, 'mask'))
    expect(e.endDrag()).toBe(true)
    expect(e.boxes.value).toHaveLength(2)
    expect(e.selected.value).toBe(1)
    expect(e.draft.value).toBeNull()
    // A click on empty picture draws nothing.
    e.startDraw({ x: 0.1, y: 0.1 })
    expect(e.endDrag()).toBe(false)
    expect(e.boxes.value).toHaveLength(2)
  })

  it('relabels, removes, and answers the keyboard', () => {
    const e = useBoxEditor([box(0.2, 0.2, 0.4, 0.4), box(0.5, 0.5, 0.6, 0.6)])
    expect(e.key({ key: 'ArrowLeft' })).toBe(false) // nothing selected: the page keeps the key
    expect(e.key({ key: 'n' })).toBe(true)
    expect(e.selected.value).toBe(0)
    e.key({ key: 'ArrowRight' })
    e.key({ key: 'ArrowDown', shiftKey: true })
    near(e.boxes.value[0]!, box(0.2 + KEY_STEP, 0.2 + 5 * KEY_STEP, 0.4 + KEY_STEP, 0.4 + 5 * KEY_STEP))
    e.key({ key: 'ArrowRight', altKey: true })
    expect(e.boxes.value[0]!.x2 - e.boxes.value[0]!.x1).toBeCloseTo(0.2 + KEY_STEP, 9)
    e.setLabel(0, 'mask')
    expect(e.boxes.value[0]!.label).toBe('mask')
    expect(e.drawLabel.value).toBe('mask')
    e.key({ key: 'N' })
    expect(e.selected.value).toBe(1)
    expect(e.key({ key: 'Delete' })).toBe(true)
    expect(e.boxes.value.map((b) => b.label)).toEqual(['mask'])
    expect(e.selected.value).toBe(0)
    e.key({ key: 'Escape' })
    expect(e.selected.value).toBeNull()
    e.remove(0)
    expect(e.boxes.value).toEqual([])
    expect(e.key({ key: 'n' })).toBe(false)
  })
})
