/** Geometry of the detection boxes drawn over a snapshot. Boxes come in pixels of the analysed frame
 * (frame_width × frame_height); the overlay places them in percent of the displayed picture, so it stays
 * right whatever size the picture is shown at, as long as the picture keeps the frame's aspect ratio. */

import type { AlertBox } from '@/api/types'

export interface OverlayBox {
  /** percent of the picture's width / height, 0..100 */
  left: number
  top: number
  width: number
  height: number
  label: string
  score: number | null
  /** the label would leave the picture above the box: draw it inside, at the box's top */
  labelInside: boolean
}

/** Below this share of the picture's height, a label above the box would be cut off. */
export const LABEL_ROOM = 6

const round = (v: number): number => Math.round(v * 1000) / 1000
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

export function overlayBoxes(boxes: readonly AlertBox[], frameWidth: number, frameHeight: number): OverlayBox[] {
  if (!(frameWidth > 0) || !(frameHeight > 0)) return []
  const out: OverlayBox[] = []
  for (const b of boxes) {
    const xs = [b.x1, b.x2].map((v) => clamp(v, 0, frameWidth))
    const ys = [b.y1, b.y2].map((v) => clamp(v, 0, frameHeight))
    if (![...xs, ...ys].every(Number.isFinite)) continue
    const [x1, x2] = [Math.min(...xs), Math.max(...xs)]
    const [y1, y2] = [Math.min(...ys), Math.max(...ys)]
    if (x2 - x1 <= 0 || y2 - y1 <= 0) continue
    const top = (y1 / frameHeight) * 100
    out.push({
      left: round((x1 / frameWidth) * 100),
      top: round(top),
      width: round(((x2 - x1) / frameWidth) * 100),
      height: round(((y2 - y1) / frameHeight) * 100),
      label: b.label ?? '',
      score: typeof b.score === 'number' ? b.score : null,
      labelInside: top < LABEL_ROOM,
    })
  }
  return out
}

/** Where an overlay box lands in pixels on a picture displayed at width × height. */
export function toPixels(box: OverlayBox, width: number, height: number): { x: number; y: number; w: number; h: number } {
  return {
    x: (box.left / 100) * width,
    y: (box.top / 100) * height,
    w: (box.width / 100) * width,
    h: (box.height / 100) * height,
  }
}

/** Boxes as the API gives them (free-form JSON objects): keeps the ones with four numeric corners. */
export function parseBoxes(raw: unknown): AlertBox[] {
  if (!Array.isArray(raw)) return []
  const out: AlertBox[] = []
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue
    const r = item as Record<string, unknown>
    const [x1, y1, x2, y2] = [r.x1, r.y1, r.x2, r.y2]
    if (typeof x1 !== 'number' || typeof y1 !== 'number' || typeof x2 !== 'number' || typeof y2 !== 'number') continue
    const box: AlertBox = { x1, y1, x2, y2 }
    if (typeof r.label === 'string') box.label = r.label
    if (typeof r.score === 'number') box.score = r.score
    out.push(box)
  }
  return out
}
