/** Messages of one feature; zh-CN.ts and en.ts include them under the key 'feed'. */

const zh = {
  title: '最新预警',
  bell: '预警提醒',
  unreadCount: '{n} 条未读',
  markAllRead: '全部标为已读',
  viewAll: '查看全部预警',
  empty: '暂无待处理的预警',
  sound: '新预警提示音',
  soundHint: '仅在本浏览器生效',
  live: '实时更新中',
  connecting: '正在连接…',
  polling: '实时连接中断，每 30 秒检查一次',
  justNow: '刚刚',
  failed: '操作失败，请稍后重试',
}

export const en: typeof zh = {
  title: 'Latest alerts',
  bell: 'Alert notifications',
  unreadCount: '{n} unread',
  markAllRead: 'Mark all as read',
  viewAll: 'View all alerts',
  empty: 'No open alerts',
  sound: 'Sound for new alerts',
  soundHint: 'In this browser only',
  live: 'Updating live',
  connecting: 'Connecting…',
  polling: 'Live connection lost; checking every 30 s',
  justNow: 'just now',
  failed: 'That did not work; please try again',
}

export default { zh, en }
