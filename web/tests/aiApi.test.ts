import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Assignment, ThresholdAdvice, Vocabulary } from '@/views/ai/aiApi'
import { ai } from '@/views/ai/aiApi'
import { adoptAdvice, cardText, fileSize, inputSize, labelCodes, metricRows, shortHash } from '@/views/ai/modelCard'
import { classIndex, labelName, taskName } from '@/views/ai/vocab'

type Call = { url: string; method: string; body: unknown; headers: Record<string, string> }
let calls: Call[] = []
let answer: () => Response = () => new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })

beforeEach(() => {
  calls = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', body: init.body, headers: init.headers as Record<string, string> })
    return answer()
  })
})
afterEach(() => vi.unstubAllGlobals())

describe('the model-loop API calls', () => {
  it('list frames with only the filters set, and fetch a frame file as bytes', async () => {
    await ai.images({ task: 'mask', status: 'unreviewed', page: 2, size: 20 })
    expect(calls[0]!.url).toBe('/api/v1/labelling/images?task=mask&status=unreviewed&page=2&size=20')
    answer = () => new Response(new Blob([new Uint8Array([255, 216, 255])]), { status: 200, headers: { 'Content-Disposition': 'attachment; filename="7.jpg"' } })
    const file = await ai.imageFile(7)
    expect(calls[1]!.url).toBe('/api/v1/labelling/images/7/file')
    expect(file.filename).toBe('7.jpg')
    expect(new Uint8Array(await file.blob.arrayBuffer())).toEqual(new Uint8Array([255, 216, 255]))
  })

  it('send boxes with PUT, a note only when there is one, and an alert or a camera as JSON', async () => {
    answer = () => new Response('{}', { status: 200 })
    const boxes = [{ label: 'no_mask', x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.4 }]
    await ai.saveBoxes(5, boxes)
    await ai.saveBoxes(5, [], 'empty kitchen')
    await ai.fromAlert(42)
    await ai.fromCamera(3, 'kitchen')
    await ai.falsePositive(5)
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['PUT', '/api/v1/labelling/images/5/boxes'],
      ['PUT', '/api/v1/labelling/images/5/boxes'],
      ['POST', '/api/v1/labelling/images'],
      ['POST', '/api/v1/labelling/images'],
      ['POST', '/api/v1/labelling/images/5/false-positive'],
    ])
    expect(JSON.parse(calls[0]!.body as string)).toEqual({ boxes })
    expect(JSON.parse(calls[1]!.body as string)).toEqual({ boxes: [], note: 'empty kitchen' })
    expect(JSON.parse(calls[2]!.body as string)).toEqual({ alert_id: 42 })
    expect(JSON.parse(calls[3]!.body as string)).toEqual({ camera_id: 3, task: 'kitchen' })
    expect(JSON.parse(calls[4]!.body as string)).toEqual({})
  })

  it('upload a captured frame, a dataset and a model as multipart forms', async () => {
    answer = () => new Response('{}', { status: 201 })
    await ai.upload(3, 'mask', new Blob(['jpeg'], { type: 'image/jpeg' }), '2026-12-08T02:00:00.000Z')
    const frame = calls[0]!.body as FormData
    expect(calls[0]!.url).toBe('/api/v1/labelling/images/upload')
    expect([frame.get('camera_id'), frame.get('task'), frame.get('captured_at')]).toEqual(['3', 'mask', '2026-12-08T02:00:00.000Z'])
    expect((frame.get('image') as File).name).toBe('frame.jpg')

    const zip = new File(['PK'], 'fire.zip', { type: 'application/zip' })
    await ai.importDataset({ file: zip, name: 'fire', task: 'fire_smoke', source: 'D-Fire', licence: 'CC0', attribution: '', site_id: 5 })
    const ds = calls[1]!.body as FormData
    expect([ds.get('name'), ds.get('task'), ds.get('source'), ds.get('licence'), ds.get('site_id')]).toEqual(['fire', 'fire_smoke', 'D-Fire', 'CC0', '5'])

    await ai.uploadModel(new File(['onnx'], 'hat.onnx'), '{"name":"hat"}', '')
    const model = calls[2]!.body as FormData
    expect([model.get('card'), model.get('notes'), (model.get('file') as File).name]).toEqual(['{"name":"hat"}', null, 'hat.onnx'])
  })

  it('export a dataset in the format asked, and assign, promote and unassign', async () => {
    answer = () => new Response(new Blob(['PK']), { status: 200 })
    await ai.exportDataset(4, 'yolo')
    answer = () => new Response(null, { status: 204 })
    await ai.assign({ model_id: 1, scope: 'site', site_id: 9, canary: true, label_thresholds: { no_mask: 0.6 } })
    await ai.promote(1, 2)
    await ai.unassign(8)
    await ai.deleteModel(1)
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['GET', '/api/v1/datasets/4/export?format=yolo'],
      ['PUT', '/api/v1/model-assignments'],
      ['POST', '/api/v1/models/1/promote'],
      ['DELETE', '/api/v1/model-assignments/8'],
      ['DELETE', '/api/v1/models/1'],
    ])
    expect(JSON.parse(calls[2]!.body as string)).toEqual({ region_id: 2 })
  })
})

describe('names and cards', () => {
  const vocabs: Vocabulary[] = [
    {
      task: 'mask',
      name_zh: '口罩',
      name_en: 'Masks',
      labels: [
        { label: 'mask', name_zh: '戴口罩', name_en: 'Mask on', code: null },
        { label: 'no_mask', name_zh: '未戴口罩', name_en: 'No mask', code: 'no_mask' },
      ],
    },
  ]

  it('show Chinese names first, English in the English mode, the label itself when unknown', () => {
    expect(taskName(vocabs, 'mask', 'zh-CN')).toBe('口罩')
    expect(taskName(vocabs, 'mask', 'en')).toBe('Masks')
    expect(taskName(vocabs, 'kitchen', 'zh-CN')).toBe('kitchen')
    expect(labelName(vocabs, 'mask', 'no_mask', 'zh-CN')).toBe('未戴口罩')
    expect(labelName(vocabs, 'mask', 'no_mask', 'en')).toBe('No mask')
    expect(labelName(vocabs, 'mask', 'person', 'zh-CN')).toBe('person')
    expect(classIndex(vocabs, 'mask', 'no_mask')).toBe(1)
    expect(classIndex(vocabs, 'mask', 'person')).toBe(-1)
  })

  it('summarise a model card', () => {
    const card = {
      input_size: [640, 480] as [number, number],
      labels: ['hat', 'no_hat'],
      violations: { no_hat: 'no_chef_hat' },
      score_threshold: 0.4,
      metrics: { map50: 0.8123, per_label: { no_hat: { ap50: 0.7 } }, images: 120 },
    }
    expect(inputSize(card)).toBe('640×480')
    expect(inputSize({ input_size: 320 })).toBe('320×320')
    expect(inputSize({})).toBe('—')
    expect(labelCodes({ labels: [], card })).toEqual([
      { label: 'hat', code: null },
      { label: 'no_hat', code: 'no_chef_hat' },
    ])
    expect(metricRows(card)).toEqual([
      { name: 'map50', value: '0.812' },
      { name: 'per_label.no_hat.ap50', value: '0.700' },
      { name: 'images', value: '120' },
    ])
    expect(shortHash('a'.repeat(64))).toBe('aaaaaaaaaaaa')
    expect([fileSize(900), fileSize(2048), fileSize(3 * 1024 * 1024)]).toEqual(['900 B', '2.0 KB', '3.0 MB'])
    expect(cardText(' {"name": "x"} ').doc).toEqual({ name: 'x' })
    expect(cardText('name: x\n').doc).toBeNull()
  })

  it('adopt a suggested threshold into the site’s own assignment, keeping its other settings', () => {
    const advice: ThresholdAdvice = {
      site_id: 9, site_name: '一小', label: 'no_hat', code: 'no_chef_hat', alerts: 20, false_positives: 12,
      fp_rate: 0.6, current_threshold: 0.4, suggested_threshold: 0.55, reason: 'fp scores below 0.55',
    }
    const own = { id: 3, model_id: 1, scope: 'site', site_id: 9, canary: true, label_thresholds: { hat: 0.3 } } as unknown as Assignment
    const region = { id: 4, model_id: 1, scope: 'region', region_id: 2, site_id: null, canary: false, label_thresholds: {} } as unknown as Assignment
    expect(adoptAdvice(advice, 1, [region, own])).toEqual({
      model_id: 1, scope: 'site', site_id: 9, canary: true, label_thresholds: { hat: 0.3, no_hat: 0.55 },
    })
    expect(adoptAdvice(advice, 1, [region])).toEqual({
      model_id: 1, scope: 'site', site_id: 9, canary: false, label_thresholds: { no_hat: 0.55 },
    })
  })
})
