/**
 * Geometry of the box editor. Boxes are kept as the labelling API stores them: corners relative to the picture,
 * 0..1 (so they do not depend on the size the picture is shown at); the editor turns pointer positions (pixels of
 * the displayed picture) into that and back. Every function is pure and keeps a box inside the picture.
 */

/** A labelled box, corners relative to the picture (0..1), x1 < x2 and y1 < y2. */
export interface RelBox {
  label: string
  x1: number
  y1: number
  x2: number
  y2: number
}

/** A point relative to the picture (0..1). */
export interface RelPoint {
  x: number
  y: number
}

/** A rectangle in pixels of the displayed picture. */
export interface PxRect {
  x: number
  y: number
  w: number
  h: number
}

/** The corner a resize handle drags: north-west, north-east, south-west, south-east. */
export type Corner = 'nw' | 'ne' | 'sw' | 'se'
export const CORNERS: readonly Corner[] = ['nw', 'ne', 'sw', 'se']

/** The smallest box side the editor makes (relative): smaller ones are clicks, not boxes. */
export const MIN_SIDE = 0.01

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))
const clamp01 = (v: number): number => clamp(v, 0, 1)

/** Corners in order and inside the picture. */
export function normalize(box: RelBox): RelBox {
  const [x1, x2] = [clamp01(Math.min(box.x1, box.x2)), clamp01(Math.max(box.x1, box.x2))]
  const [y1, y2] = [clamp01(Math.min(box.y1, box.y2)), clamp01(Math.max(box.y1, box.y2))]
  return { label: box.label, x1, y1, x2, y2 }
}

/** A pointer position on the displayed picture (px from its top-left) as a relative point inside it. */
export function toRelative(px: number, py: number, width: number, height: number): RelPoint {
  if (!(width > 0 && height > 0)) return { x: 0, y: 0 }
  return { x: clamp01(px / width), y: clamp01(py / height) }
}

/** Where a box is drawn on a picture displayed at width × height. */
export function toPixels(box: RelBox, width: number, height: number): PxRect {
  return { x: box.x1 * width, y: box.y1 * height, w: (box.x2 - box.x1) * width, h: (box.y2 - box.y1) * height }
}

/** The box moved by (dx, dy), same size, stopped at the picture's edges. */
export function moveBox(box: RelBox, dx: number, dy: number): RelBox {
  const w = box.x2 - box.x1
  const h = box.y2 - box.y1
  const x1 = clamp(box.x1 + dx, 0, 1 - w)
  const y1 = clamp(box.y1 + dy, 0, 1 - h)
  return { label: box.label, x1, y1, x2: x1 + w, y2: y1 + h }
}

/**
 * The box with one corner dragged to `to`; the opposite corner stays. The dragged corner stops at the picture's
 * edge and at least `min` from the opposite corner (the box never turns inside out under the pointer).
 */
export function resizeBox(box: RelBox, corner: Corner, to: RelPoint, min = MIN_SIDE): RelBox {
  const out = { ...box }
  const x = clamp01(to.x)
  const y = clamp01(to.y)
  if (corner === 'nw' || corner === 'sw') out.x1 = Math.min(x, box.x2 - min)
  else out.x2 = Math.max(x, box.x1 + min)
  if (corner === 'nw' || corner === 'ne') out.y1 = Math.min(y, box.y2 - min)
  else out.y2 = Math.max(y, box.y1 + min)
  return normalize(out)
}

/** Grows (positive) or shrinks the box from its bottom-right corner: the keyboard's resize. */
export function growBox(box: RelBox, dw: number, dh: number, min = MIN_SIDE): RelBox {
  return resizeBox(box, 'se', { x: box.x2 + dw, y: box.y2 + dh }, min)
}

/** A new box drawn by dragging from `a` to `b`; null when it is too small to be meant as a box. */
export function boxFromDrag(a: RelPoint, b: RelPoint, label: string, min = MIN_SIDE): RelBox | null {
  const box = normalize({ label, x1: a.x, y1: a.y, x2: b.x, y2: b.y })
  return box.x2 - box.x1 >= min && box.y2 - box.y1 >= min ? box : null
}

/** Six decimals are far below a pixel of any camera: what is sent, and what "unchanged" compares. */
export function roundBox(box: RelBox): RelBox {
  const r = (v: number): number => Math.round(v * 1e6) / 1e6
  return { label: box.label, x1: r(box.x1), y1: r(box.y1), x2: r(box.x2), y2: r(box.y2) }
}

/** Whether two box lists are the same (order and label included), to a millionth. */
export function sameBoxes(a: readonly RelBox[], b: readonly RelBox[]): boolean {
  if (a.length !== b.length) return false
  return a.every((box, i) => {
    const [p, q] = [roundBox(box), roundBox(b[i]!)]
    return p.label === q.label && p.x1 === q.x1 && p.y1 === q.y1 && p.x2 === q.x2 && p.y2 === q.y2
  })
}

/** The box as a YOLO label line's numbers: centre x, centre y, width, height (relative). */
export function toYolo(box: RelBox): [number, number, number, number] {
  return [(box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2, box.x2 - box.x1, box.y2 - box.y1]
}
