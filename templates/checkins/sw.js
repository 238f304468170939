/* The portal's service worker (served at /portal/sw.js, scope /portal/).
 *
 * Offline, the person can still open the portal and take a check-in photo: the page keeps it
 * in IndexedDB and sends it when the network returns. This worker keeps the shell for that:
 * the script, the style, the icons and an offline page (cached on install), and the person's
 * own home and check-in pages (cached when they load; network first, the copy only offline).
 * Nothing else is cached, and nothing is ever sent from here: check-ins are POSTs, which pass
 * straight through to the network.
 */
"use strict";

const PREFIX = "jiedu-portal-";
const CACHE = PREFIX + "{{ version }}";
const SHELL = {{ shell_json|safe }};
const PRECACHE = SHELL.static.concat([SHELL.offline]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  // Signing out: forget the person's cached pages.
  if (event.data === "forget-pages") {
    event.waitUntil(
      caches.open(CACHE).then((cache) => Promise.all(SHELL.pages.map((p) => cache.delete(p))))
    );
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    const keep = SHELL.pages.includes(url.pathname);
    event.respondWith(
      fetch(request)
        .then((response) => {
          // Only a signed-in page (not a redirect to the sign-in page) is worth keeping.
          if (keep && response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() =>
          caches.match(url.pathname).then((hit) => hit || caches.match(SHELL.offline))
        )
    );
    return;
  }

  if (SHELL.static.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname).then((hit) => hit || fetch(request))
    );
  }
});
