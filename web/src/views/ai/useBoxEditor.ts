/**
 * The box editor's state, apart from the DOM: the boxes, which one is selected, and the drag under way (move a
 * box, resize it by a corner, or draw a new one on empty picture). The component feeds it pointer positions as
 * relative points and keys; everything here can be driven by a test.
 */

import { computed, ref, shallowRef, type ComputedRef, type Ref } from 'vue'

import {
  boxFromDrag,
  growBox,
  moveBox,
  normalize,
  resizeBox,
  type Corner,
  type RelBox,
  type RelPoint,
} from './boxGeometry'

export type Drag =
  | { kind: 'move'; index: number; from: RelPoint; start: RelBox }
  | { kind: 'resize'; index: number; corner: Corner; start: RelBox }
  | { kind: 'draw'; from: RelPoint; to: RelPoint }

/** What a key press asks of the editor, from the event's fields (so tests need no DOM). */
export interface KeyPress {
  key: string
  shiftKey?: boolean
  altKey?: boolean
}

/** One arrow press moves or resizes this much (relative); with Shift, five times as much. */
export const KEY_STEP = 0.005

export interface BoxEditor {
  boxes: Ref<RelBox[]>
  selected: Ref<number | null>
  drag: Ref<Drag | null>
  /** the label a newly drawn box gets */
  drawLabel: Ref<string>
  /** the box being drawn, while it is */
  draft: ComputedRef<RelBox | null>
  reset: (boxes: readonly RelBox[]) => void
  select: (index: number | null) => void
  startMove: (index: number, at: RelPoint) => void
  startResize: (index: number, corner: Corner) => void
  startDraw: (at: RelPoint) => void
  dragTo: (at: RelPoint) => void
  /** ends the drag; true when it changed the boxes */
  endDrag: () => boolean
  setLabel: (index: number, label: string) => void
  remove: (index?: number | null) => void
  /** handles a key press; true when it was the editor's (the page then stops the browser's own use of it) */
  key: (press: KeyPress) => boolean
}

export function useBoxEditor(initial: readonly RelBox[] = [], drawLabel = ''): BoxEditor {
  const boxes = ref<RelBox[]>(initial.map(normalize))
  const selected = ref<number | null>(null)
  const drag = shallowRef<Drag | null>(null)
  const label = ref(drawLabel)

  const draft = computed(() => {
    const d = drag.value
    return d?.kind === 'draw' ? normalize({ label: label.value, x1: d.from.x, y1: d.from.y, x2: d.to.x, y2: d.to.y }) : null
  })

  const replace = (index: number, box: RelBox): void => {
    boxes.value = boxes.value.map((b, i) => (i === index ? box : b))
  }

  function reset(next: readonly RelBox[]): void {
    boxes.value = next.map(normalize)
    selected.value = null
    drag.value = null
  }

  function select(index: number | null): void {
    selected.value = index !== null && index >= 0 && index < boxes.value.length ? index : null
    // A new box takes the label of the one last chosen: drawing several of a kind needs no relabelling.
    if (selected.value !== null) label.value = boxes.value[selected.value]!.label
  }

  function startMove(index: number, at: RelPoint): void {
    const box = boxes.value[index]
    if (!box) return
    select(index)
    drag.value = { kind: 'move', index, from: at, start: box }
  }

  function startResize(index: number, corner: Corner): void {
    const box = boxes.value[index]
    if (!box) return
    select(index)
    drag.value = { kind: 'resize', index, corner, start: box }
  }

  function startDraw(at: RelPoint): void {
    selected.value = null
    drag.value = { kind: 'draw', from: at, to: at }
  }

  function dragTo(at: RelPoint): void {
    const d = drag.value
    if (!d) return
    if (d.kind === 'move') replace(d.index, moveBox(d.start, at.x - d.from.x, at.y - d.from.y))
    else if (d.kind === 'resize') replace(d.index, resizeBox(d.start, d.corner, at))
    else drag.value = { ...d, to: at }
  }

  function endDrag(): boolean {
    const d = drag.value
    drag.value = null
    if (!d) return false
    if (d.kind === 'draw') {
      const box = boxFromDrag(d.from, d.to, label.value)
      if (!box || !label.value) return false
      boxes.value = [...boxes.value, box]
      selected.value = boxes.value.length - 1
      return true
    }
    const now = boxes.value[d.index]
    return now !== undefined && (now.x1 !== d.start.x1 || now.y1 !== d.start.y1 || now.x2 !== d.start.x2 || now.y2 !== d.start.y2)
  }

  function setLabel(index: number, name: string): void {
    const box = boxes.value[index]
    if (!box) return
    replace(index, { ...box, label: name })
    label.value = name
  }

  function remove(index: number | null = selected.value): void {
    if (index === null || index < 0 || index >= boxes.value.length) return
    boxes.value = boxes.value.filter((_, i) => i !== index)
    selected.value = boxes.value.length ? Math.min(index, boxes.value.length - 1) : null
  }

  function key(press: KeyPress): boolean {
    const n = boxes.value.length
    if (press.key === 'n' || press.key === 'N') {
      if (!n) return false
      const back = press.shiftKey === true || press.key === 'N'
      const at = selected.value ?? (back ? 0 : -1)
      select((at + (back ? -1 : 1) + n) % n)
      return true
    }
    if (press.key === 'Escape') {
      drag.value = null
      selected.value = null
      return true
    }
    const index = selected.value
    if (index === null) return false
    const box = boxes.value[index]!
    if (press.key === 'Delete' || press.key === 'Backspace') {
      remove(index)
      return true
    }
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    }
    const dir = arrows[press.key]
    if (!dir) return false
    const step = KEY_STEP * (press.shiftKey ? 5 : 1)
    // Alt+arrows resize from the bottom-right corner; plain arrows move.
    replace(index, press.altKey ? growBox(box, dir[0] * step, dir[1] * step) : moveBox(box, dir[0] * step, dir[1] * step))
    return true
  }

  return {
    boxes,
    selected,
    drag,
    drawLabel: label,
    draft,
    reset,
    select,
    startMove,
    startResize,
    startDraw,
    dragTo,
    endDrag,
    setLabel,
    remove,
    key,
  }
}
