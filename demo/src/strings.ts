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
  olderBeyond: 'older records not shown',
  gapTitle: (from: number, to: number) =>
    from === to ? `no record at offset ${from} (removed)` : `no records at offsets ${from}–${to} (removed)`,
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

  // lesson 3
  l3: '3 · Producers',
  l3Intro:
    'A producer gathers records into batches: it waits up to linger.ms for more before it sends one, and asks for acks = 0 (nobody waits), 1 (the partition has appended it) or all (stored durably: here, committed to IndexedDB). An idempotent producer numbers its batches, so a retry after a lost answer is stored once.',
  addProducer: 'Add producer',
  producer: (name: string) => `Producer ${name}`,
  rate: 'Records per second',
  linger: 'linger.ms',
  acks: 'acks',
  acksAll: 'all',
  idempotent: 'Idempotent (needs acks = all)',
  start: 'Start',
  stop: 'Stop',
  loseNext: 'Lose the next answer',
  statSent: 'sent',
  statAcked: 'acknowledged',
  statFailed: 'failed',
  statLatency: 'mean wait for the answer',
  statLost: 'answers lost, then retried',
  ms: (n: number) => `${n.toFixed(1)} ms`,
  duplicates: (n: number) =>
    n === 0 ? 'No record is stored twice.' : `${n} record${n === 1 ? ' is' : 's are'} stored twice.`,
  batchesNote: 'A frame holds the records of one batch, as the broker stores it.',
  throughputTitle: 'Acknowledged records per second',
  lagTitle: 'Lag per partition (records)',
  latestValues: (parts: string) => (parts ? `now ${parts}` : 'no data yet'),

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
  evMoves: (revoked: string, assigned: string, ms: number) =>
    `${revoked ? `revoked ${revoked}; ` : ''}${assigned ? `assigned ${assigned}; ` : ''}processing paused ${ms} ms`,
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

  // lesson 6
  l6: '6 · Retention and compaction',
  l6Intro:
    'A log does not grow for ever. With cleanup.policy=delete, whole batches leave once they are older than retention.ms, or while a partition is larger than retention.bytes — and the log-start offset moves. With cleanup.policy=compact, the cleaner keeps only the latest record of each key; a record with no value (a tombstone) deletes its key, and is itself removed delete.retention.ms later. The broker here checks every second.',
  retentionTitle: 'Retention',
  compactionTitle: 'Compaction',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes (per partition)',
  emptyIsDefault: 'empty = the default',
  apply: 'Apply',
  applied: (topic: string) => `Configs of ${topic} changed.`,
  sendFive: 'Send 5 records',
  sendEverySecond: 'Send one every second',
  policy: 'cleanup.policy',
  deleteRetentionMs: 'delete.retention.ms',
  sendValue: 'Send',
  tombstone: 'Delete the key (tombstone)',
  tombstoneMark: 'tombstone',
  why: 'Why is this record still here?',
  whyLatest: (key: string) =>
    `It is the latest record of key ${key}: compaction keeps the latest record of every key.`,
  whyTombstone: (left: string | null) =>
    left
      ? `It is a tombstone: it stays for delete.retention.ms so that consumers see the delete — about ${left} more.`
      : 'It is a tombstone past delete.retention.ms: the next cleaner pass removes it, unless it is the last record.',
  whyLast: 'It is the last record of the partition, which always stays: it marks the end of the log.',
  whyNotCleaned:
    'A newer record of its key exists; the cleaner has not run since (it runs when the log changed).',
  whyNoKey: 'It has no key: compaction removes records without a key.',
  whyRetention: (left: string | null) =>
    left
      ? `cleanup.policy is delete: its batch leaves once older than retention.ms — in about ${left}.`
      : 'cleanup.policy is delete and it is past retention.ms: the next retention pass removes its batch.',
  duration: (secs: number) =>
    secs >= 172_800
      ? `${Math.round(secs / 86_400)} days`
      : secs >= 7200
        ? `${Math.round(secs / 3600)} hours`
        : secs >= 120
          ? `${Math.round(secs / 60)} minutes`
          : `${secs} s`,
  whyForever: 'cleanup.policy is delete with no retention limit that applies yet: it stays.',
  gone: 'It is gone: retention or the cleaner removed it from the log.',
  slowReader: 'A reader that falls behind',
  readerIntro:
    'It reads this topic in a group of its own. Pause it, let retention remove what it has not read, and resume: its position is no longer in the log (OFFSET_OUT_OF_RANGE), and auto.offset.reset decides where it goes on.',
  autoOffsetReset: 'auto.offset.reset',
  startReader: 'Start the reader',
  pauseReader: 'Pause',
  resumeReader: 'Resume',
  readerState: (position: number | null, read: number) =>
    `position ${position ?? '–'} · ${read} record${read === 1 ? '' : 's'} read`,
  resetEvent: (from: number, to: number, strategy: string, skipped: number) =>
    `OFFSET_OUT_OF_RANGE at offset ${from}: reset to ${strategy} (offset ${to}); ${skipped} record${skipped === 1 ? '' : 's'} never read.`,

  // lesson 7
  l7: '7 · Crash here',
  l7Intro:
    'Between processing a record and committing its offset there is a gap, and a crash can fall into it. Process first, then commit: a crash in the gap makes the next consumer process the record again (at least once: duplicates). Commit first, then process: the next consumer starts after a record nobody processed (at most once: losses). Pause at the gap and choose where to crash.',
  orderLabel: 'Order',
  atLeastOnce: 'Process, then commit (at least once)',
  atMostOnce: 'Commit, then process (at most once)',
  pauseAtGap: 'Pause at the gap',
  sendPayments: (n: number) => `Send ${n} payments`,
  startConsumer: 'Start a consumer',
  continueStep: 'Continue',
  crashHere: 'Crash here',
  waitingAt: (what: string, value: string) => `${value}: ${what}. The gap:`,
  gapProcessed: 'processed, not committed',
  gapCommitted: 'committed, not processed',
  counters: 'Counters',
  cProduced: 'sent',
  cOnce: 'processed once',
  cDuplicates: 'processed again (duplicates)',
  cLost: 'never processed (losses)',
  stepProcessed: (v: string) => `processed ${v}`,
  stepCommitted: (o: number) => `committed offset ${o}`,
  stepCrashed: (where: string) => `crashed — ${where}`,
  stepStarted: (name: string) => `consumer ${name} started; after a crash it waits for the session timeout`,

  // lesson 8
  l8: '8 · Offline',
  l8Intro:
    "The broker in this page needs no network: a record is stored in IndexedDB the moment it is sent. With sync, the broker's worker uploads the topic notes to a relay (brook serve) and downloads the topic news from it — each record exactly once, in order per partition. Go offline, keep writing notes and watch the backlog grow; come back online and watch it drain.",
  noRelay:
    'This page did not come from a relay, so its broker runs without sync. Serve the demo and the relay on one origin — npm start, or npx brook serve --demo — and open this lesson there (or add ?relay=<url> for a relay started with --allow-origin for this page).',
  noSync:
    'This broker was started by another tab, without sync (the tab that starts a broker fixes its options): close every tab of the demo, then open this one again.',
  relayAt: (url: string) => `Relay: ${url}`,
  goOffline: 'Go offline',
  goOnline: 'Go online',
  networkNote:
    "Go offline tells the broker's worker that the network is gone — exactly what brook does by itself when the browser fires its offline event. Syncing stops; writing does not. The browser's next online event brings it back, as Go online does.",
  browserOffline:
    "The browser is offline: brook heard the offline event and told the broker's worker. It syncs again the moment the browser is back online.",
  noteLabel: 'Note',
  write: 'Write',
  writeN: (n: number) => `Write ${n} notes`,
  writeEverySecond: 'Write one every second',
  stopWriting: 'Stop writing',
  postNews: (n: number) => `Another device posts ${n} news to the relay`,
  posted: (n: number) => `The relay stored ${n} news; they come down on the next round while online.`,
  wrote: (n: number, total: number) =>
    `Stored ${n} note${n === 1 ? '' : 's'} in this page's broker (${total} written here so far).`,
  syncTitle: 'Sync, as the broker reports it',
  syncState: 'state',
  stateName: (state: string): string =>
    state === 'online'
      ? 'online — caught up'
      : state === 'syncing'
        ? 'syncing — a round is running'
        : state === 'stopped'
          ? 'stopped'
          : 'offline — waiting for the network or the relay',
  network: 'network',
  networkUp: (up: boolean): string => (up ? 'up' : 'down'),
  cUploaded: 'uploaded',
  cDownloaded: 'downloaded',
  cReclaimed: 'deleted here to make room (already at the relay)',
  failuresInARow: 'failures in a row',
  lastRound: 'last round',
  never: 'never',
  storageLabel: 'storage',
  storageUse: (usage: string, quota: string, persisted: boolean | undefined) =>
    `${usage} of ${quota}${persisted ? ', persistent' : ''}`,
  unknown: 'unknown',
  lastError: (type: string, message: string) => `Last error: ${type} — ${message}`,
  countersNote:
    "The counters count records since the broker's worker started; the backlog is read from the log itself, so it is exact after any reload or crash. When the browser's storage is full, the worker deletes the local copies of records the relay already has before it refuses a write.",
  topicsTitle: 'Where each record is',
  colTopic: 'Topic',
  colHere: 'In this page',
  colBacklog: 'Backlog',
  colRelay: 'At the relay',
  backlogNote:
    'Records per topic: in the broker of this page, not yet uploaded (the backlog, in records and in bytes of their stored batches) and at the relay.',
  upload: 'upload ↑',
  download: 'download ↓',
  unreachable: 'out of reach',
  backlogChart: 'Backlog: records not yet uploaded',
  cameDown: 'Came down from the relay (news, in this page)',
  nothingDown: 'Nothing yet: post news from "another device", online.',
  bytes: (n: number) =>
    n < 1024
      ? `${n} B`
      : n < 1024 * 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${(n / 1024 / 1024).toFixed(1)} MiB`,

  // the timeline
  tl: 'Replayable timeline',
  tlIntro:
    'A scripted run on a broker of its own, in this page, with a clock that moves only when the script says so. The same seed gives the same script and the same trace, step by step, on every machine: scrub through it, or share the link to a step.',
  seed: 'Seed',
  run: 'Run',
  running: (done: number, n: number) => `Running step ${done} of ${n}…`,
  traceFingerprint: (f: string) => `Trace fingerprint ${f}`,
  stepOf: (i: number, n: number) => `Step ${i + 1} of ${n}`,
  previous: 'Previous',
  next: 'Next',
  shareStep: 'Copy the link to this step',
  linkCopied: 'Link copied',
  script: 'The script',
  happened: 'What the broker answered in this step',
  after: 'The log after this step',
  owner: (m: string) => `owner ${m}`,
  noOwner: 'no owner',
  committedAt: (o: number | null) => (o === null ? 'nothing committed' : `committed ${o}`),
  doProduce: (key: string | null, value: string, partition?: number) =>
    key
      ? `send ${key}=${value}`
      : `send ${value} without a key (to partition ${partition}, as the sticky partitioner might)`,
  doJoin: (m: string) => `consumer ${m} joins`,
  doLeave: (m: string) => `consumer ${m} leaves`,
  doCrash: (m: string) => `consumer ${m} crashes`,
  doCommit: (m: string) => `consumer ${m} commits what it processed`,
  doWait: (ms: number) => `${ms / 1000} s pass`,
  doClean: 'the cleaner runs',
  tlAppend: (p: number, o: number, key: string | null, value: string) =>
    `stored ${key ? `${key}=` : ''}${value} in partition ${p} at offset ${o}`,
  tlGeneration: (g: number, a: string) => `generation ${g}: ${a || 'no member'}`,
  tlProcessed: (m: string, p: number, o: number, again: boolean) =>
    `${m} processed ${p}:${o}${again ? ' again' : ''}`,
  tlCommit: (m: string, p: number, o: number) => `${m} committed offset ${o} of partition ${p}`,
  cleanerTitle: 'Cleaner passes, as the log shows them',
  activeEnd: (partition: number, offset: number) =>
    `Partition ${partition}: offset ${offset} is the log's end. The cleaner never removes the last record — it plays the part of Kafka's active segment, which is never cleaned.`,
  noPassYet: 'No record has left the log yet. Send newer values of a key, or a tombstone, and wait a second.',
  passSummary: (partition: number, n: number) =>
    `partition ${partition}: ${n} record${n === 1 ? '' : 's'} left the log`,
  removedSuperseded: (offset: number, key: string, by: number) =>
    `offset ${offset} (${key}): offset ${by} holds a newer value of its key`,
  removedByTombstone: (offset: number, key: string, by: number) =>
    `offset ${offset} (${key}): the tombstone at offset ${by} deleted its key`,
  removedTombstone: (offset: number, key: string) =>
    `offset ${offset} (${key}): a tombstone past delete.retention.ms`,
  removedDeleted: (offset: number, key: string) =>
    `offset ${offset} (${key}): a tombstone deleted its key (and has expired since)`,
  removedNoKey: (offset: number) => `offset ${offset}: no key, which compaction does not keep`,
  removedRetention: (offset: number) => `offset ${offset}: below the new log start (retention)`,
  tlCleaned: (n: number) => `the cleaner removed ${n} record${n === 1 ? '' : 's'}`,
  tlJoin: (m: string) => `${m} joined the group`,
  tlLeave: (m: string) => `${m} left the group`,
  tlCrash: (m: string) => `${m} stopped answering`,
  tlWait: (ms: number) => `the clock moved ${ms / 1000} s`,

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
  olderBeyond: '较早的记录未显示',
  gapTitle: (from: number, to: number) =>
    from === to ? `偏移量 ${from} 没有记录(已移除)` : `偏移量 ${from}–${to} 没有记录(已移除)`,
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

  l3: '3 · 生产者',
  l3Intro:
    '生产者把记录攒成批次:发送前最多等待 linger.ms 以收集更多记录;并要求 acks = 0(不等待)、1(分区已追加)或 all(已持久存储:这里指已提交到 IndexedDB)。幂等生产者为批次编号,因此在应答丢失后的重试只会被存储一次。',
  addProducer: '添加生产者',
  producer: (name: string) => `生产者 ${name}`,
  rate: '每秒记录数',
  linger: 'linger.ms',
  acks: 'acks',
  acksAll: 'all',
  idempotent: '幂等(需要 acks = all)',
  start: '开始',
  stop: '停止',
  loseNext: '丢失下一个应答',
  statSent: '已发送',
  statAcked: '已确认',
  statFailed: '失败',
  statLatency: '等待应答的平均时间',
  statLost: '丢失后重试的应答',
  ms: (n: number) => `${n.toFixed(1)} 毫秒`,
  duplicates: (n: number) => (n === 0 ? '没有记录被存储两次。' : `有 ${n} 条记录被存储了两次。`),
  batchesNote: '每个框是一个批次中的记录,与 broker 存储的一致。',
  throughputTitle: '每秒确认的记录数',
  lagTitle: '各分区的滞后(记录数)',
  latestValues: (parts: string) => (parts ? `当前 ${parts}` : '还没有数据'),

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
  evMoves: (revoked: string, assigned: string, ms: number) =>
    `${revoked ? `收回 ${revoked};` : ''}${assigned ? `分配 ${assigned};` : ''}处理暂停 ${ms} 毫秒`,
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

  l6: '6 · 保留与压缩',
  l6Intro:
    '日志不会无限增长。当 cleanup.policy=delete 时,早于 retention.ms 的整批记录会被删除,或者在分区大于 retention.bytes 时删除 —— 日志起始偏移量随之前移。当 cleanup.policy=compact 时,清理器只保留每个键的最新记录;没有值的记录(墓碑)会删除它的键,而它本身在 delete.retention.ms 之后被移除。这里的 broker 每秒检查一次。',
  retentionTitle: '保留',
  compactionTitle: '压缩',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes(每个分区)',
  emptyIsDefault: '留空 = 默认值',
  apply: '应用',
  applied: (topic: string) => `${topic} 的配置已更改。`,
  sendFive: '发送 5 条记录',
  sendEverySecond: '每秒发送一条',
  policy: 'cleanup.policy',
  deleteRetentionMs: 'delete.retention.ms',
  sendValue: '发送',
  tombstone: '删除这个键(墓碑)',
  tombstoneMark: '墓碑',
  why: '这条记录为什么还在?',
  whyLatest: (key: string) => `它是键 ${key} 的最新记录:压缩会保留每个键的最新记录。`,
  whyTombstone: (left: string | null) =>
    left
      ? `它是墓碑:它会保留 delete.retention.ms,让消费者看到删除 —— 还剩大约 ${left}。`
      : '它是已超过 delete.retention.ms 的墓碑:下一次清理会移除它,除非它是最后一条记录。',
  whyLast: '它是分区的最后一条记录,总会保留:它标记日志的末端。',
  whyNotCleaned: '它的键已有更新的记录;清理器还没有运行(日志变化后才会运行)。',
  whyNoKey: '它没有键:压缩会移除没有键的记录。',
  whyRetention: (left: string | null) =>
    left
      ? `cleanup.policy 为 delete:它所在的批次在早于 retention.ms 后删除 —— 大约还有 ${left}。`
      : 'cleanup.policy 为 delete 且已超过 retention.ms:下一次保留检查会删除它所在的批次。',
  duration: (secs: number) =>
    secs >= 172_800
      ? `${Math.round(secs / 86_400)} 天`
      : secs >= 7200
        ? `${Math.round(secs / 3600)} 小时`
        : secs >= 120
          ? `${Math.round(secs / 60)} 分钟`
          : `${secs} 秒`,
  whyForever: 'cleanup.policy 为 delete,且目前没有适用的保留限制:它会一直保留。',
  gone: '它已经不在了:保留策略或清理器已把它从日志中移除。',
  slowReader: '一个落后的读取者',
  readerIntro:
    '它在自己的组里读取这个主题。暂停它,让保留策略删除它还没读的记录,再继续:它的位置已不在日志中(OFFSET_OUT_OF_RANGE),由 auto.offset.reset 决定它从哪里继续。',
  autoOffsetReset: 'auto.offset.reset',
  startReader: '启动读取者',
  pauseReader: '暂停',
  resumeReader: '继续',
  readerState: (position: number | null, read: number) => `位置 ${position ?? '–'} · 已读 ${read} 条`,
  resetEvent: (from: number, to: number, strategy: string, skipped: number) =>
    `偏移量 ${from} 处 OFFSET_OUT_OF_RANGE:按 ${strategy} 重置到偏移量 ${to};${skipped} 条记录从未被读取。`,

  l7: '7 · 在这里崩溃',
  l7Intro:
    '处理一条记录与提交它的偏移量之间有一个间隙,崩溃可能恰好落在其中。先处理后提交:间隙中的崩溃会让下一个消费者再次处理这条记录(至少一次:重复)。先提交后处理:下一个消费者从一条没人处理过的记录之后开始(至多一次:丢失)。在间隙处暂停,选择在哪里崩溃。',
  orderLabel: '顺序',
  atLeastOnce: '先处理,后提交(至少一次)',
  atMostOnce: '先提交,后处理(至多一次)',
  pauseAtGap: '在间隙处暂停',
  sendPayments: (n: number) => `发送 ${n} 笔付款`,
  startConsumer: '启动一个消费者',
  continueStep: '继续',
  crashHere: '在这里崩溃',
  waitingAt: (what: string, value: string) => `${value}:${what}。间隙:`,
  gapProcessed: '已处理,未提交',
  gapCommitted: '已提交,未处理',
  counters: '计数',
  cProduced: '已发送',
  cOnce: '处理了一次',
  cDuplicates: '再次处理(重复)',
  cLost: '从未处理(丢失)',
  stepProcessed: (v: string) => `已处理 ${v}`,
  stepCommitted: (o: number) => `已提交偏移量 ${o}`,
  stepCrashed: (where: string) => `崩溃 —— ${where}`,
  stepStarted: (name: string) => `消费者 ${name} 已启动;崩溃之后它要等待会话超时`,

  l8: '8 · 离线',
  l8Intro:
    '本页中的 broker 不需要网络:记录一发送就存入 IndexedDB。开启同步后,broker 所在的 Worker 会把主题 notes 上传到中继(relay,即 brook serve),并从中继下载主题 news —— 每条记录恰好一次,每个分区内保持顺序。断开网络,继续写笔记,看积压(backlog)增长;恢复网络,看它被清空。',
  noRelay:
    '本页不是由中继提供的,所以它的 broker 没有开启同步。请让演示和中继在同一个源上运行 —— npm start,或 npx brook serve --demo —— 然后在那里打开这一课(或加上 ?relay=<url>,指向一个用 --allow-origin 允许了本页的中继)。',
  noSync:
    '这个 broker 是由另一个标签页在没有同步的情况下启动的(启动 broker 的标签页决定它的选项):请关闭演示的所有标签页,然后重新打开本页。',
  relayAt: (url: string) => `中继:${url}`,
  goOffline: '断开网络',
  goOnline: '恢复网络',
  networkNote:
    '“断开网络”告诉 broker 所在的 Worker 网络已断开 —— 与浏览器触发 offline 事件时 brook 自动做的事完全相同。同步停止,写入照常。浏览器的下一个 online 事件会让它恢复,与“恢复网络”的效果一样。',
  browserOffline:
    '浏览器已离线:brook 收到了 offline 事件并告诉了 broker 所在的 Worker。浏览器一恢复在线,它就立即重新同步。',
  noteLabel: '笔记',
  write: '写入',
  writeN: (n: number) => `写入 ${n} 条笔记`,
  writeEverySecond: '每秒写入一条',
  stopWriting: '停止写入',
  postNews: (n: number) => `另一台设备向中继发布 ${n} 条新闻`,
  posted: (n: number) => `中继已存储 ${n} 条新闻;在线时,它们会在下一轮同步中下载下来。`,
  wrote: (n: number, total: number) => `已在本页的 broker 中存储 ${n} 条笔记(本页至今共写入 ${total} 条)。`,
  syncTitle: '同步状态(broker 的报告)',
  syncState: '状态',
  stateName: (state: string) =>
    state === 'online'
      ? '在线 —— 已同步完毕'
      : state === 'syncing'
        ? '同步中 —— 一轮同步正在进行'
        : state === 'stopped'
          ? '已停止'
          : '离线 —— 等待网络或中继',
  network: '网络',
  networkUp: (up: boolean) => (up ? '已连接' : '已断开'),
  cUploaded: '已上传',
  cDownloaded: '已下载',
  cReclaimed: '为腾出空间在本地删除(中继上已有)',
  failuresInARow: '连续失败次数',
  lastRound: '上一轮',
  never: '从未',
  storageLabel: '存储',
  storageUse: (usage: string, quota: string, persisted: boolean | undefined) =>
    `已用 ${usage},共 ${quota}${persisted ? ',持久化' : ''}`,
  unknown: '未知',
  lastError: (type: string, message: string) => `上一个错误:${type} —— ${message}`,
  countersNote:
    '这些计数统计的是 broker 所在的 Worker 启动以来的记录数;积压则直接从日志读出,所以在任何重新加载或崩溃之后都准确。当浏览器的存储已满时,Worker 会先删除中继上已有记录的本地副本,然后才拒绝写入。',
  topicsTitle: '每条记录在哪里',
  colTopic: '主题',
  colHere: '在本页',
  colBacklog: '积压',
  colRelay: '在中继上',
  backlogNote:
    '每个主题的记录数:在本页的 broker 中、尚未上传的(积压,以记录数和所存批次的字节数计)以及在中继上的。',
  upload: '上传 ↑',
  download: '下载 ↓',
  unreachable: '无法访问',
  backlogChart: '积压:尚未上传的记录',
  cameDown: '从中继下载下来的(news,在本页中)',
  nothingDown: '还没有:在线时,让“另一台设备”发布新闻。',
  bytes: (n: number) =>
    n < 1024
      ? `${n} B`
      : n < 1024 * 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${(n / 1024 / 1024).toFixed(1)} MiB`,

  tl: '可重放的时间线',
  tlIntro:
    '在本页面中,用一个独立的 broker 运行一段脚本,时钟只在脚本要求时才前进。相同的种子在任何机器上都得到相同的脚本和相同的轨迹:可以逐步拖动查看,也可以分享某一步的链接。',
  seed: '种子',
  run: '运行',
  running: (done: number, n: number) => `正在运行第 ${done} 步,共 ${n} 步…`,
  traceFingerprint: (f: string) => `轨迹指纹 ${f}`,
  stepOf: (i: number, n: number) => `第 ${i + 1} 步,共 ${n} 步`,
  previous: '上一步',
  next: '下一步',
  shareStep: '复制这一步的链接',
  linkCopied: '链接已复制',
  script: '脚本',
  happened: '这一步中 broker 的回答',
  after: '这一步之后的日志',
  owner: (m: string) => `拥有者 ${m}`,
  noOwner: '无拥有者',
  committedAt: (o: number | null) => (o === null ? '尚未提交' : `已提交 ${o}`),
  doProduce: (key: string | null, value: string, partition?: number) =>
    key ? `发送 ${key}=${value}` : `发送无键的 ${value}(发往分区 ${partition},如同粘性分区器可能的选择)`,
  doJoin: (m: string) => `消费者 ${m} 加入`,
  doLeave: (m: string) => `消费者 ${m} 离开`,
  doCrash: (m: string) => `消费者 ${m} 崩溃`,
  doCommit: (m: string) => `消费者 ${m} 提交已处理的偏移量`,
  doWait: (ms: number) => `过去 ${ms / 1000} 秒`,
  doClean: '清理器运行',
  tlAppend: (p: number, o: number, key: string | null, value: string) =>
    `${key ? `${key}=` : ''}${value} 存入分区 ${p},偏移量 ${o}`,
  tlGeneration: (g: number, a: string) => `第 ${g} 代:${a || '没有成员'}`,
  tlProcessed: (m: string, p: number, o: number, again: boolean) =>
    `${m} ${again ? '再次' : ''}处理了 ${p}:${o}`,
  tlCommit: (m: string, p: number, o: number) => `${m} 提交了分区 ${p} 的偏移量 ${o}`,
  cleanerTitle: '清理器的每一轮,从日志上看到的',
  activeEnd: (partition: number, offset: number) =>
    `分区 ${partition}:偏移量 ${offset} 是日志的末端。清理器从不移除最后一条记录——它相当于 Kafka 中从不清理的活动段。`,
  noPassYet: '还没有记录离开日志。为某个键发送更新的值或墓碑,然后等一秒。',
  passSummary: (partition: number, n: number) => `分区 ${partition}:${n} 条记录离开了日志`,
  removedSuperseded: (offset: number, key: string, by: number) =>
    `偏移量 ${offset}(${key}):偏移量 ${by} 保存了该键更新的值`,
  removedByTombstone: (offset: number, key: string, by: number) =>
    `偏移量 ${offset}(${key}):偏移量 ${by} 的墓碑删除了它的键`,
  removedTombstone: (offset: number, key: string) =>
    `偏移量 ${offset}(${key}):超过 delete.retention.ms 的墓碑`,
  removedDeleted: (offset: number, key: string) =>
    `偏移量 ${offset}(${key}):墓碑删除了它的键(墓碑此后也已过期)`,
  removedNoKey: (offset: number) => `偏移量 ${offset}:没有键,压缩不保留`,
  removedRetention: (offset: number) => `偏移量 ${offset}:低于新的日志起点(保留策略)`,
  tlCleaned: (n: number) => `清理器移除了 ${n} 条记录`,
  tlJoin: (m: string) => `${m} 加入了组`,
  tlLeave: (m: string) => `${m} 离开了组`,
  tlCrash: (m: string) => `${m} 不再响应`,
  tlWait: (ms: number) => `时钟前进了 ${ms / 1000} 秒`,

  forReal: '实际使用',
  forRealIntro: '对 Kafka broker(brook serve 或任何 Kafka)做同样的操作:',
  cli: 'brook 命令行',
  python: 'kafka-python',
  js: 'kafkajs / brook',
  copy: '复制',
  copied: '已复制',
  nothingYet: '在课程中做点什么,对应的代码会显示在这里。',
}
