// Field notes: an offline-first app on brook. Notes go into the topic `notes` of the broker in this
// browser (IndexedDB, shared by every tab); the broker's worker uploads them to the relay, exactly
// once, whenever it can reach it, and downloads the relay's topic `announcements`.
//
// The relay: ?relay=<url> in the page's address, else http://127.0.0.1:8080 (`npx brook serve`);
// ?token=<token> for a relay that wants one (a real app would take it from its login).

const params = new URLSearchParams(location.search)
const RELAY = params.get('relay') ?? 'http://127.0.0.1:8080'
const TOKEN = params.get('token') ?? undefined
const $ = (id) => document.getElementById(id)
const text = new TextDecoder()

/**
 * The service worker first: once it controls the page, every file brook loads (the worker and its
 * chunks) goes through it and is kept for reloads without a network.
 */
async function installServiceWorker() {
  if (!('serviceWorker' in navigator)) return
  try {
    const firstVisit = !(await navigator.serviceWorker.getRegistration())
    await navigator.serviceWorker.register('./sw.js')
    await navigator.serviceWorker.ready
    // On the first visit the new service worker claims the page; wait for it. (A hard reload
    // bypasses it on purpose: then there is nothing to wait for.)
    if (firstVisit && !navigator.serviceWorker.controller)
      await new Promise((ok) =>
        navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }),
      )
  } catch (e) {
    // Offline, the update check fails: the service worker installed before still serves the app.
    console.warn('field notes: the service worker could not be installed or updated:', e)
  }
}

function bytes(n) {
  if (n === undefined) return '?'
  return n < 1024
    ? `${n} B`
    : n < 1 << 20
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / (1 << 20)).toFixed(1)} MiB`
}

/** Shows the sync status: state, network, backlog, counters, storage and the last error. */
function showStatus(s) {
  $('status').dataset.state = s.state
  $('status').dataset.network = String(s.network)
  $('state').textContent = s.state
  $('network').textContent = s.network ? 'up' : 'down'
  const backlog = s.backlog.notes ?? { records: 0, bytes: 0 }
  $('backlog').textContent = `${backlog.records} notes (${bytes(backlog.bytes)})`
  $('backlog').dataset.records = String(backlog.records)
  $('uploaded').textContent = String(s.uploaded)
  $('downloaded').textContent = String(s.downloaded)
  const { usage, quota, persisted } = s.storage
  $('storage').textContent = `${bytes(usage)} of ${bytes(quota)}${persisted ? ', persistent' : ''}`
  $('error').textContent = s.lastError ? `${s.lastError.type}: ${s.lastError.message}` : ''
}

/**
 * Every record of the topics `topics` matches as they arrive, from the start, in a group of this
 * tab's own that commits nothing: each tab shows everything. A pattern, looked up every second,
 * and never created here: a downloaded topic is the sync's to create, with the relay's partitions.
 */
async function follow(brook, topics, each) {
  const consumer = brook.consumer({
    groupId: `field-notes-view-${crypto.randomUUID()}`,
    allowAutoTopicCreation: false,
    metadataMaxAge: 1000,
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topics], fromBeginning: true })
  await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => each(message) })
}

function item(list, line, meta) {
  const li = document.createElement('li')
  li.textContent = line
  if (meta) {
    const small = document.createElement('span')
    small.className = 'meta'
    small.textContent = ` — ${meta}`
    li.append(small)
  }
  list.prepend(li)
}

await installServiceWorker()
const { connect } = await import('./brook/brook.js')
const brook = await connect({
  name: 'field-notes',
  persist: true,
  sync: { url: RELAY, token: TOKEN, upload: ['notes'], download: ['announcements'] },
})
window.brook = brook // to look around from the console

brook.sync.onStatus(showStatus)
showStatus(await brook.sync.status())
await brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 1 }] })

const producer = brook.producer()
await producer.connect()
$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const note = $('note').value.trim()
  if (!note) return
  try {
    // acks=all (the default): once this resolves the note is on disk, network or not.
    await producer.send({
      topic: 'notes',
      messages: [{ value: JSON.stringify({ text: note, at: Date.now() }) }],
    })
    $('note').value = ''
  } catch (e) {
    // KAFKA_STORAGE_ERROR when the browser's quota is full: nothing was half written.
    $('error').textContent = `${e.type ?? 'Error'}: ${e.message}`
  }
})
$('sync-now').addEventListener('click', () => void brook.sync.syncNow())

await follow(brook, /^notes$/, (m) => {
  const { text: note, at } = JSON.parse(text.decode(m.value))
  item($('notes'), note, new Date(at).toLocaleString())
})
// The sync creates it locally with its first download.
await follow(brook, /^announcements$/, (m) => item($('announcements'), text.decode(m.value)))
document.body.dataset.ready = 'true'
