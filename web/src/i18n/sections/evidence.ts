/** Messages of one feature; zh-CN.ts and en.ts include them under the key 'evidence'. */

const zh = {
  title: '证据图片',
  /** What a detection box marks, by the edge's model label (violation codes use `code.*`). */
  label: {
    person: '人员',
    face_mask: '已戴口罩',
    face_no_mask: '未戴口罩',
    cell_phone: '手机',
    flame: '明火',
    motion: '移动目标',
  },
  /** A box whose label this page does not know (a model supplied on site). */
  otherLabel: '检测目标',
  /** "未戴口罩 96%": what the box marks and how sure the model was. */
  caption: '{name} {score}%',
}

export const en: typeof zh = {
  title: 'Evidence picture',
  label: {
    person: 'Person',
    face_mask: 'Mask on',
    face_no_mask: 'No mask',
    cell_phone: 'Phone',
    flame: 'Flame',
    motion: 'Moving object',
  },
  otherLabel: 'Detection',
  caption: '{name} {score}%',
}

export default { zh, en }
