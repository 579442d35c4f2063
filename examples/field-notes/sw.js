// The service worker of field notes: it keeps a copy of every file of the app it serves, so that
// the page reloads with no network. Network first (a new version shows as soon as it is online),
// the cache when the network is gone. brook's data is not here: it lives in IndexedDB.
const CACHE = 'field-notes-v1'
const APP = ['./', './index.html', './app.js', './brook/brook.js', './brook/broker.worker.js']

self.addEventListener('install', (event) => {
  self.skipWaiting()
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(APP)))
})

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('fetch', (event) => {
  const { request } = event
  // Only this site's files: the relay (another origin) is brook's business, not the cache's.
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE)
      let response
      try {
        response = await fetch(request)
      } catch (offline) {
        const copy = await cache.match(request, { ignoreSearch: request.mode === 'navigate' })
        if (copy) return copy
        throw offline
      }
      // Kept for the next time the network is gone; failing to keep it (quota) must not fail the page.
      if (response.ok) await cache.put(request, response.clone()).catch(() => {})
      return response
    })(),
  )
})
