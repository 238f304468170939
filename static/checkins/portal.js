/* The person portal's script: the service worker, and check-ins that survive a bad network.
 *
 * A check-in starts when a photo is chosen: it gets its client_id (crypto.randomUUID) and the
 * time then. On "提交签到" it goes into an IndexedDB queue first and is sent from there, so a
 * lost answer, a closed page or no network never loses it, and sending it again (same
 * client_id) never makes a second check-in: the server answers 200 with the first one. The queue
 * is sent when the page opens, when the browser says it is online again, and on "立即发送".
 * Each pending check-in remembers whose it is: after a change of account on a shared phone it is
 * not sent as someone else's.
 */
(function () {
  "use strict";

  var body = document.body;
  var T = JSON.parse(document.getElementById("portal-text").textContent);
  var SHELL = JSON.parse(document.getElementById("portal-shell").textContent);
  var account = body.dataset.account || "";
  var api = body.dataset.api || "";

  // --- Service worker -------------------------------------------------------------------------

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker
      .register(body.dataset.sw, { scope: body.dataset.scope })
      .catch(function () { /* no offline shell; the portal still works online */ });
  }

  function forgetPages() {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget-pages");
    }
    if (window.caches) {
      caches.keys().then(function (keys) {
        keys.filter(function (k) { return k.indexOf("jiedu-portal-") === 0; }).forEach(function (k) {
          caches.open(k).then(function (c) { SHELL.pages.forEach(function (p) { c.delete(p); }); });
        });
      });
    }
  }

  var logout = document.getElementById("logout-form");
  if (logout) logout.addEventListener("submit", forgetPages);
  if (!account) forgetPages(); // signed out: no one's pages stay on the phone

  // --- Helpers --------------------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Plain http outside localhost has no randomUUID; getRandomValues is still there.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function hhmm(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return params[k]; });
  }

  // --- The queue (IndexedDB) ------------------------------------------------------------------

  var DB_NAME = "jiedu-portal";
  var STORE = "pending";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var queue = {
    put: function (rec) { return withStore("readwrite", function (s) { return s.put(rec); }); },
    all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
    remove: function (id) { return withStore("readwrite", function (s) { return s.delete(id); }); },
    mine: function () {
      return queue.all().then(function (rows) {
        return rows
          .filter(function (r) { return String(r.account) === account; })
          .sort(function (a, b) { return a.taken_at < b.taken_at ? -1 : 1; });
      });
    },
  };

  // --- Showing the state ----------------------------------------------------------------------

  function faceText(data) {
    var label = T.face[data.face_status] || data.face_status;
    return data.needs_review ? label + "（" + T.review + "）" : label;
  }

  function showDone(data, takenAt) {
    var list = document.getElementById("done-list");
    var result = document.getElementById("checkin-result");
    if (result) {
      result.className = "result " + (data.needs_review ? "warn" : "ok");
      result.textContent = T.sent + " · " + faceText(data);
    }
    if (!list) return;
    // One line per check-in: a retry answered with the same check-in replaces its line.
    var li = list.querySelector('li[data-client-id="' + data.client_id + '"]');
    if (!li) {
      li = document.createElement("li");
      li.dataset.clientId = data.client_id;
      list.appendChild(li);
    }
    li.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = T.sent;
    li.appendChild(strong);
    li.appendChild(document.createTextNode(" · " + hhmm(takenAt) + " · " + faceText(data)));
    var none = document.getElementById("none-yet");
    if (none) none.hidden = true;
  }

  function renderPending() {
    var section = document.getElementById("pending");
    var note = document.getElementById("pending-note");
    return queue.mine().then(function (rows) {
      if (note) {
        note.hidden = rows.length === 0;
        note.textContent = rows.length ? T.pending + "：" + rows.length : "";
      }
      if (!section) return rows;
      var list = document.getElementById("pending-list");
      list.textContent = "";
      rows.forEach(function (r) {
        var li = document.createElement("li");
        li.dataset.clientId = r.client_id;
        li.textContent = T.taken + " " + hhmm(r.taken_at) + " · " + (r.error || T.pending);
        list.appendChild(li);
      });
      section.hidden = rows.length === 0;
      return rows;
    }).catch(function () { return []; });
  }

  // --- Sending --------------------------------------------------------------------------------

  var inFlight = {};

  function keep(rec) {
    var result = document.getElementById("checkin-result");
    if (result) {
      result.className = "result warn";
      result.textContent = rec.error;
    }
    return queue.put(rec);
  }

  function sendOne(rec) {
    if (inFlight[rec.client_id]) return inFlight[rec.client_id];
    var form = new FormData();
    form.append("client_id", rec.client_id);
    form.append("taken_at", rec.taken_at);
    form.append("photo", rec.photo, "checkin.jpg");
    if (rec.latitude != null && rec.longitude != null) {
      form.append("latitude", String(rec.latitude));
      form.append("longitude", String(rec.longitude));
      if (rec.accuracy_m != null) form.append("accuracy_m", String(rec.accuracy_m));
    }
    var sending = fetch(api, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 200 || response.status === 201) {
          return response.json().then(function (data) {
            return queue.remove(rec.client_id).then(function () { showDone(data, rec.taken_at); });
          });
        }
        if (response.status === 422) {
          // Refused (too old, no open case …): sending it again would not help.
          return response.json().catch(function () { return {}; }).then(function (data) {
            var result = document.getElementById("checkin-result");
            if (result) {
              result.className = "result danger";
              result.textContent = T.refused + "：" + (data.message || response.status);
            }
            return queue.remove(rec.client_id);
          });
        }
        rec.error = response.status === 401 || response.status === 403 ? T.relogin : T.retry;
        return keep(rec);
      })
      .catch(function () {
        rec.error = T.saved_offline;
        return keep(rec);
      })
      .then(function () { delete inFlight[rec.client_id]; });
    inFlight[rec.client_id] = sending;
    return sending;
  }

  function sendPending() {
    if (!account || !api || !window.indexedDB) return Promise.resolve([]);
    return queue.mine()
      .then(function (rows) {
        return rows.reduce(function (p, r) { return p.then(function () { return sendOne(r); }); },
          Promise.resolve());
      })
      .then(renderPending);
  }

  window.jieduPortal = { sendPending: sendPending, queue: queue, renderPending: renderPending };
  window.sendPending = sendPending;

  window.addEventListener("online", sendPending);
  if (account) {
    renderPending().then(function () { if (navigator.onLine !== false) sendPending(); });
  }

  // --- The check-in page ----------------------------------------------------------------------

  var form = document.getElementById("checkin-form");
  if (!form) return;
  var input = document.getElementById("photo");
  var preview = document.getElementById("preview");
  var submit = document.getElementById("submit-checkin");
  var locationState = document.getElementById("location-state");
  var result = document.getElementById("checkin-result");
  var current = null; // the check-in being made: {client_id, taken_at, photo}
  var position = null;

  function locate() {
    if (!navigator.geolocation) {
      locationState.textContent = T.location_none;
      return;
    }
    locationState.textContent = T.location_pending;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        position = {
          latitude: Math.round(pos.coords.latitude * 1e6) / 1e6,
          longitude: Math.round(pos.coords.longitude * 1e6) / 1e6,
          accuracy_m: Math.round(pos.coords.accuracy || 0),
        };
        locationState.textContent = fmt(T.location_ok, { m: position.accuracy_m });
        locationState.className = "ok";
      },
      function () {
        position = null; // location is optional: the check-in goes without it
        locationState.textContent = T.location_denied;
        locationState.className = "warn";
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // Phone photos are several megabytes; 1280 px is plenty for the face and quick on a weak
  // network. Re-encoding also drops the photo's metadata before it leaves the phone.
  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file)
      .then(function (bitmap) {
        var scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.88);
        });
      })
      .catch(function () { return file; });
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    // A new check-in starts here: its id and its time are fixed now.
    current = { client_id: uuid4(), taken_at: new Date().toISOString(), photo: null };
    var started = current;
    submit.disabled = true;
    result.textContent = "";
    shrink(file).then(function (blob) {
      if (current !== started) return;
      current.photo = blob;
      preview.src = URL.createObjectURL(blob);
      preview.hidden = false;
      submit.disabled = false;
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current || !current.photo) {
      result.className = "result warn";
      result.textContent = T.need_photo;
      return;
    }
    var rec = {
      client_id: current.client_id,
      account: account,
      taken_at: current.taken_at,
      photo: current.photo,
      latitude: position ? position.latitude : null,
      longitude: position ? position.longitude : null,
      accuracy_m: position ? position.accuracy_m : null,
      error: "",
    };
    current = null;
    submit.disabled = true;
    input.value = "";
    preview.hidden = true;
    result.className = "result";
    result.textContent = T.sending;
    queue.put(rec).then(renderPending).then(function () { return sendOne(rec); }).then(renderPending);
  });

  var sendNow = document.getElementById("send-now");
  if (sendNow) sendNow.addEventListener("click", sendPending);

  locate();
})();
