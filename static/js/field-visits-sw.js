// The field-visit service worker (served at /verval/lapangan/sw.js, scope /verval/lapangan/; see
// static/js/field-visits.js). It keeps copies of the visit pages the officer opened and of their
// assets, so a page opens again without signal. Pages: network first, the copy when the network
// fails. Assets the page names: from the copy. Nothing else is touched — uploads go straight to the
// network and the page keeps what could not be sent.
const CACHE = "dtks-lapangan-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// The page tells which URLs to keep (itself, its stylesheets, scripts and icons). Each on its own:
// one that cannot be fetched (no signal, an icon missing) must not keep the others out.
self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.cache) || [];
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.all(urls.map((url) => cache.add(url).catch(() => undefined)))),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request, { ignoreSearch: true }).then((hit) => hit || Response.error())),
    );
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
