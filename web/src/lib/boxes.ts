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
}

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
    out.push({
      left: round((x1 / frameWidth) * 100),
      top: round((y1 / frameHeight) * 100),
      width: round(((x2 - x1) / frameWidth) * 100),
      height: round(((y2 - y1) / frameHeight) * 100),
      label: b.label ?? '',
      score: typeof b.score === 'number' ? b.score : null,
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

/** A rectangle in pixels of the displayed picture. */
export interface PixelRect {
  x: number
  y: number
  w: number
  h: number
}

/** Roughly how wide a label is drawn (12 px font, 4 px padding each side): CJK characters are square, the
 * rest about 0.6 em. A little generous on purpose: an overestimate only leaves a gap. */
export function labelWidth(text: string, fontPx = 12, padPx = 8): number {
  let em = 0
  for (const ch of text) em += /[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 1.05 : 0.62
  return Math.ceil(em * fontPx + padPx)
}

const overlaps = (a: PixelRect, b: PixelRect): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

/**
 * Where each box's label goes (its top-left corner, px) so that no two labels overlap and none leaves the
 * picture: above the box, else inside its top, below it, inside its bottom (each slid left to stay inside),
 * else the nearest free row. Boxes earlier in the list choose first (pass them most important first).
 */
export function placeLabels(
  boxes: readonly PixelRect[],
  sizes: readonly { w: number; h: number }[],
  width: number,
  height: number,
): { x: number; y: number }[] {
  const placed: PixelRect[] = []
  return boxes.map((b, i) => {
    const { w, h } = sizes[i] ?? { w: 0, h: 0 }
    const fit = (x: number, y: number): PixelRect => ({
      x: clamp(x, 0, Math.max(0, width - w)),
      y: clamp(y, 0, Math.max(0, height - h)),
      w,
      h,
    })
    const candidates = [
      fit(b.x, b.y - h),
      fit(b.x + b.w - w, b.y - h),
      fit(b.x, b.y),
      fit(b.x, b.y + b.h),
      fit(b.x, b.y + b.h - h),
    ]
    let spot = candidates.find((c) => !placed.some((p) => overlaps(c, p)))
    if (!spot && h > 0) {
      const first = candidates[0]!
      for (let k = 1; !spot && k * h <= height; k++) {
        spot = [fit(first.x, first.y + k * h), fit(first.x, first.y - k * h)].find(
          (c) => !placed.some((p) => overlaps(c, p)),
        )
      }
    }
    spot ??= candidates[0]!
    placed.push(spot)
    return { x: spot.x, y: spot.y }
  })
}
