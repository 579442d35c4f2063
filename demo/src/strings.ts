/**
 * @module Every word the demo shows, one object per language. `zh` has the type of `en`, so a
 * string missing in 中文 does not compile; the tests also look for untranslated text on screen.
 * Plain data: the tests import it in Node.
 */

export const en = {
  title: 'brook',
  tagline: 'Kafka, live in your browser',
  intro:
    'A real event broker runs in this page — in a Worker, stored in IndexedDB, shared by every tab. Nothing here is simulated: each view is what the broker answers.',
  language: 'Language',
  lessons: 'Lessons',
  broker: 'Broker',
  connecting: 'Starting the broker…',
  connected: (role: string) => `Broker running (${role})`,
  failed: (why: string) => `The broker could not start: ${why}`,

  // lesson 1
  l1: '1 · Topics and partitions',
  l1Intro:
    'A topic is a named log, split into partitions. A record with a key always goes to the same partition: murmur2(key), made positive, modulo the partition count. Records without a key fill one partition per batch (the sticky partitioner).',
  topic: 'Topic',
  partitions: 'Partitions',
  createTopic: 'Create topic',
  created: (topic: string, n: number) => `Created topic ${topic} with ${n} partition${n === 1 ? '' : 's'}.`,
  exists: (topic: string) => `Topic ${topic} exists; showing it.`,
  key: 'Key',
  keyHint: 'empty = no key',
  value: 'Value',
  send: 'Send',
  sendUnkeyed: (n: number) => `Send ${n} without keys`,
  sent: (partition: number, offset: number) => `Stored in partition ${partition} at offset ${offset}.`,
  route: (key: string, hash: string, positive: number, n: number, p: number) =>
    `key "${key}": murmur2 = ${hash}, positive ${positive} mod ${n} = partition ${p}`,
  stickyNote: (n: number, p: number) => `${n} records without keys, one batch: all went to partition ${p}.`,
  addPartitions: 'Add partitions',
  addTo: 'New count',
  moved: (keys: string) => `Keys now in another partition: ${keys}`,
  noneMoved: 'No key you sent changed partition.',

  // lesson 2
  l2: '2 · The log and offsets',
  l2Intro:
    'Each partition is an append-only log. Every record gets the next offset. The high watermark is the offset the next record will get; the log-start offset is the first one still kept. Click a record to see everything stored with it.',
  lane: (p: number) => `Partition ${p}`,
  laneSummary: (p: number, start: number, hwm: number) =>
    `Partition ${p}: log-start offset ${start}, high watermark ${hwm}, ${hwm - start} record${hwm - start === 1 ? '' : 's'}`,
  logStart: 'log-start',
  highWatermark: 'high watermark',
  emptyLane: 'empty',
  olderHidden: (n: number) => `${n} older not shown`,
  noRecord: 'Click a record to see it here.',
  record: 'Record',
  offset: 'Offset',
  timestamp: 'Timestamp',
  headers: 'Headers',
  none: 'none',
  batch: 'Batch',
  batchRange: (first: number, last: number, count: number) =>
    `offsets ${first}–${last}, ${count} record${count === 1 ? '' : 's'}`,
  producerId: 'Producer id',
  partition: 'Partition',
  noTopic: (topic: string) => `Topic ${topic} does not exist yet: create it in lesson 1.`,
  deleteBefore: 'Delete records before offset',
  deleteDo: 'Delete',
  deleted: (p: number, start: number) => `Partition ${p} now starts at offset ${start}.`,

  // lesson 4
  l4: '4 · Consumer groups',
  l4Intro:
    'Consumers that share a group id split the partitions of the topics they read: each partition has exactly one owner in the group. As in Kafka, every member joins, the leader runs the assignor, all sync, and each rebalance starts a new generation — whenever a member comes or goes.',
  group: 'Group',
  assignor: 'Assignor',
  addConsumer: 'Add consumer',
  leave: 'Leave',
  crash: 'Crash',
  consumer: (name: string) => `Consumer ${name}`,
  joining: 'joining…',
  active: 'active',
  hasLeft: 'left the group',
  crashed: (secs: number) => `crashed: the group notices after the ${secs} s session timeout`,
  generation: (g: number) => `generation ${g}`,
  owns: (parts: string) => `owns partition${parts.includes(',') ? 's' : ''} ${parts}`,
  ownsNothing: 'owns no partition',
  clearGone: 'Clear gone consumers',
  brokerView: 'What the broker says (DescribeGroups)',
  groupState: (state: string, protocol: string, n: number) =>
    `state ${state} · assignor ${protocol || '–'} · ${n} member${n === 1 ? '' : 's'}`,
  member: 'Member',
  thisTab: (name: string) => `${name}, this tab`,
  client: 'Client',
  assigned: 'Partitions',
  noMembers: 'No member yet.',
  events: 'Rebalances, newest first',
  evJoin: (name: string, g: number, leader: boolean, protocol: string, parts: string) =>
    `generation ${g}: ${name} synced${leader ? ` as leader (ran ${protocol})` : ''} → ${parts || 'no partition'}`,
  evRebalancing: (name: string) => `${name}: rebalance, rejoining`,
  evLeft: (name: string) => `${name} left (LeaveGroup): the others rebalance at once`,
  evCrashed: (name: string, secs: number) =>
    `${name} stopped answering: its partitions wait for the ${secs} s session timeout`,
  secondTab:
    'Open this page in a second tab and add a consumer there: it joins the same group on the same broker, and the partitions are split across tabs.',
  openTab: 'Open a second tab',

  // lesson 5
  l5: '5 · Acknowledge and redeliver',
  l5Intro:
    'A consumer acknowledges by committing the offset after its last processed record. What it processed but did not commit is delivered again to the next owner of the partition: at least once. Process, commit or crash, and watch committed offset, log end and lag.',
  sendN: (n: number) => `Send ${n} records`,
  commitProcessed: 'Commit processed',
  uncommitted: (n: number) => `${n} partition${n === 1 ? '' : 's'} with processed, uncommitted records`,
  processed: 'Processed',
  again: 'again',
  offsetsTitle: 'Offsets per partition (as kafka-consumer-groups.sh shows them)',
  colPartition: 'Partition',
  colLogStart: 'Log start',
  colCommitted: 'Committed',
  colPosition: 'Position',
  colEnd: 'Log end',
  colLag: 'Lag',
  colOwner: 'Owner',
  neverCommitted: 'none',
  lagNote:
    'Lag = log end − committed offset; for a partition the group never committed, log end − log start: everything a new owner would read.',

  // the "use it for real" panel
  forReal: 'Use it for real',
  forRealIntro: 'The same action against a Kafka broker (brook serve, or any Kafka):',
  cli: 'brook CLI',
  python: 'kafka-python',
  js: 'kafkajs / brook',
  copy: 'Copy',
  copied: 'Copied',
  nothingYet: 'Do something in a lesson: its code appears here.',
}

export type Strings = typeof en

export const zh: Strings = {
  title: 'brook',
  tagline: '在浏览器里运行的 Kafka',
  intro:
    '这个页面里运行着一个真正的事件代理(broker):它在 Worker 中运行,数据存于 IndexedDB,由同一站点的所有标签页共享。这里没有任何模拟:每个视图都是 broker 的真实回答。',
  language: '语言',
  lessons: '课程',
  broker: 'Broker',
  connecting: '正在启动 broker…',
  connected: (role: string) => `Broker 运行中(${role})`,
  failed: (why: string) => `Broker 无法启动:${why}`,

  l1: '1 · 主题与分区',
  l1Intro:
    '主题(topic)是一个有名字的日志,分成若干分区(partition)。带键(key)的记录总是进入同一个分区:murmur2(键)取正数,再对分区数取模。没有键的记录按批次填入同一个分区(粘性分区器)。',
  topic: '主题',
  partitions: '分区数',
  createTopic: '创建主题',
  created: (topic: string, n: number) => `已创建主题 ${topic},共 ${n} 个分区。`,
  exists: (topic: string) => `主题 ${topic} 已存在,正在显示。`,
  key: '键',
  keyHint: '留空 = 无键',
  value: '值',
  send: '发送',
  sendUnkeyed: (n: number) => `发送 ${n} 条无键记录`,
  sent: (partition: number, offset: number) => `已存入分区 ${partition},偏移量 ${offset}。`,
  route: (key: string, hash: string, positive: number, n: number, p: number) =>
    `键 "${key}":murmur2 = ${hash},取正 ${positive},对 ${n} 取模 = 分区 ${p}`,
  stickyNote: (n: number, p: number) => `${n} 条无键记录组成一个批次:全部进入分区 ${p}。`,
  addPartitions: '增加分区',
  addTo: '新分区数',
  moved: (keys: string) => `这些键现在进入了别的分区:${keys}`,
  noneMoved: '你发送过的键都没有换分区。',

  l2: '2 · 日志与偏移量',
  l2Intro:
    '每个分区都是只能追加的日志,每条记录得到下一个偏移量(offset)。高水位(high watermark)是下一条记录将得到的偏移量;日志起始偏移量(log-start offset)是仍被保留的第一条。点击一条记录,查看与它一起存储的全部内容。',
  lane: (p: number) => `分区 ${p}`,
  laneSummary: (p: number, start: number, hwm: number) =>
    `分区 ${p}:日志起始偏移量 ${start},高水位 ${hwm},共 ${hwm - start} 条记录`,
  logStart: '日志起始',
  highWatermark: '高水位',
  emptyLane: '空',
  olderHidden: (n: number) => `另有 ${n} 条较早的记录未显示`,
  noRecord: '点击一条记录,在这里查看。',
  record: '记录',
  offset: '偏移量',
  timestamp: '时间戳',
  headers: '头部',
  none: '无',
  batch: '批次',
  batchRange: (first: number, last: number, count: number) => `偏移量 ${first}–${last},共 ${count} 条记录`,
  producerId: '生产者 ID',
  partition: '分区',
  noTopic: (topic: string) => `主题 ${topic} 还不存在:请在第 1 课中创建。`,
  deleteBefore: '删除此偏移量之前的记录',
  deleteDo: '删除',
  deleted: (p: number, start: number) => `分区 ${p} 现在从偏移量 ${start} 开始。`,

  l4: '4 · 消费者组',
  l4Intro:
    '共享同一个组 ID 的消费者会分摊它们所读主题的分区:在组内,每个分区恰好有一个拥有者。与 Kafka 相同:每个成员加入,由领导者运行分配器,所有成员同步;每当有成员加入或离开,再平衡就开始一个新的代(generation)。',
  group: '组',
  assignor: '分配器',
  addConsumer: '添加消费者',
  leave: '离开',
  crash: '崩溃',
  consumer: (name: string) => `消费者 ${name}`,
  joining: '正在加入…',
  active: '活跃',
  hasLeft: '已离开组',
  crashed: (secs: number) => `已崩溃:组在 ${secs} 秒会话超时后才会发现`,
  generation: (g: number) => `第 ${g} 代`,
  owns: (parts: string) => `拥有分区 ${parts}`,
  ownsNothing: '没有分区',
  clearGone: '清除已离开的消费者',
  brokerView: 'Broker 的回答(DescribeGroups)',
  groupState: (state: string, protocol: string, n: number) =>
    `状态 ${state} · 分配器 ${protocol || '–'} · ${n} 个成员`,
  member: '成员',
  thisTab: (name: string) => `${name},本标签页`,
  client: '客户端',
  assigned: '分区',
  noMembers: '还没有成员。',
  events: '再平衡(最新在前)',
  evJoin: (name: string, g: number, leader: boolean, protocol: string, parts: string) =>
    `第 ${g} 代:${name} 完成同步${leader ? `,作为领导者(运行了 ${protocol})` : ''} → ${parts || '无分区'}`,
  evRebalancing: (name: string) => `${name}:再平衡,重新加入`,
  evLeft: (name: string) => `${name} 已离开(LeaveGroup):其他成员立即再平衡`,
  evCrashed: (name: string, secs: number) => `${name} 不再响应:它的分区要等 ${secs} 秒会话超时`,
  secondTab:
    '在第二个标签页打开本页并在那里添加消费者:它加入同一个 broker 上的同一个组,分区在标签页之间分配。',
  openTab: '打开第二个标签页',

  l5: '5 · 确认与重新投递',
  l5Intro:
    '消费者通过提交(commit)最后处理的记录之后的偏移量来确认。已处理但未提交的记录,会再次投递给该分区的下一个拥有者:至少一次。处理、提交或崩溃,观察已提交偏移量、日志末端和滞后量。',
  sendN: (n: number) => `发送 ${n} 条记录`,
  commitProcessed: '提交已处理的',
  uncommitted: (n: number) => `${n} 个分区有已处理但未提交的记录`,
  processed: '已处理',
  again: '重复',
  offsetsTitle: '各分区的偏移量(如 kafka-consumer-groups.sh 所示)',
  colPartition: '分区',
  colLogStart: '日志起始',
  colCommitted: '已提交',
  colPosition: '消费位置',
  colEnd: '日志末端',
  colLag: '滞后',
  colOwner: '拥有者',
  neverCommitted: '无',
  lagNote:
    '滞后 = 日志末端 − 已提交偏移量;对于组从未提交过的分区,则是日志末端 − 日志起始:新的拥有者将读取的全部记录。',

  forReal: '实际使用',
  forRealIntro: '对 Kafka broker(brook serve 或任何 Kafka)做同样的操作:',
  cli: 'brook 命令行',
  python: 'kafka-python',
  js: 'kafkajs / brook',
  copy: '复制',
  copied: '已复制',
  nothingYet: '在课程中做点什么,对应的代码会显示在这里。',
}
