// The field officer's visit page offline (templates/verification/field_prelist.html; docs/verification.md,
// "Field visits"). Plain JavaScript, no library, no outside host (the CSP allows neither).
//
// 1. A service worker (/verval/lapangan/sw.js) keeps a copy of this page and its assets, so the page
//    opens again without signal once it has been opened online.
// 2. "Simpan kunjungan" stores the visit — fields and photos as Blobs — in IndexedDB under a key made
//    here (crypto.randomUUID), lists it as "menunggu unggah", and tries to upload it.
// 3. Uploads go to the API one by one, in the order recorded; a visit leaves the phone only when the
//    API answered 200/201 for its key (201 recorded, 200 already recorded: the key makes a replay
//    harmless). A refusal (400) stays on the list with the server's message and the others go on; a
//    lost connection, an ended session or a server error leaves it for the next try (the page says
//    why): when the browser says it is online again, when the page opens, and every 30 seconds. The
//    list is `aria-busy` while uploads are tried.
(() => {
  "use strict";
  const box = document.getElementById("antrean-unggah");
  const form = document.querySelector("form[data-visit-form]");
  if (!box || !form || !window.indexedDB || !window.fetch) return; // the plain form still works

  const API = box.dataset.visitApi;
  const DB = "dtks-kunjungan";
  const STORE = "menunggu";
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.querySelector(".visit-form .form-status");
  let uploading = false;
  let again = false; // asked to upload while uploading: one more round after this one

  const newKey = () =>
    window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
          (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));

  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "client_key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function tx(mode, fn) {
    const conn = await db();
    return new Promise((resolve, reject) => {
      const t = conn.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }

  // In the order they were recorded (the store's own order is the random key's).
  const all = () =>
    tx("readonly", (s) => s.getAll())
      .then((visits) => visits.sort((a, b) => (a.saved_at || 0) - (b.saved_at || 0)));
  const put = (visit) => tx("readwrite", (s) => s.put(visit));
  const drop = (key) => tx("readwrite", (s) => s.delete(key));

  function say(text, kind) {
    delete status.dataset.uploadError;
    status.textContent = text;
    status.className = "message form-status" + (kind ? " message--" + kind : "");
    status.hidden = !text;
  }

  async function render() {
    const visits = await all();
    const list = box.querySelector(".pending-list");
    list.replaceChildren();
    for (const v of visits) {
      const li = document.createElement("li");
      li.dataset.clientKey = v.client_key;
      li.textContent = v.label + " · " + v.fields.visited_on + (v.error ? " — " + v.error : "");
      if (v.error) li.className = "message--error";
      list.append(li);
    }
    box.querySelector(".pending-count").textContent = String(visits.length);
    box.dataset.count = String(visits.length);
    box.hidden = visits.length === 0;
  }

  async function uploadOne(v) {
    const body = new FormData();
    body.append("client_key", v.client_key);
    for (const [name, value] of Object.entries(v.fields)) body.append(name, value);
    for (const [name, photo] of Object.entries(v.photos)) body.append(name, photo.blob, photo.name);
    const response = await fetch(API, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) { /* not JSON: not the API's answer (a login page, a proxy's page, a server error) */ }
    // Recorded only when the API itself says so for this very key: a 200 from anything else (a
    // redirect to a login page, a hotspot's sign-in page) must not drop the visit from the phone.
    if ((response.status === 201 || response.status === 200) && !response.redirected && data &&
        String(data.client_key).toLowerCase() === v.client_key.toLowerCase()) {
      return { done: true };
    }
    let message = "Ditolak server (" + response.status + ").";
    if (data && !response.ok) {
      const errors = Object.values(data.errors || {}).flat();
      message = errors.length ? errors.join(" ") : data.detail || message;
    }
    // A refusal stays refused until the officer acts; a server error or an expired session is retried.
    return {
      done: false,
      refused: response.status === 400 || response.status === 404,
      serverError: response.status >= 500,
      message,
    };
  }

  async function upload() {
    if (uploading) {
      again = true; // e.g. a visit saved while others upload
      return;
    }
    uploading = true;
    box.setAttribute("aria-busy", "true");
    try {
      do {
        again = false;
        for (const v of await all()) {
          if (v.error) continue;
          let result;
          try {
            result = await uploadOne(v);
          } catch (e) {
            break; // no connection: the rest waits for the next try
          }
          if (result.done) {
            await drop(v.client_key);
            if (status.dataset.uploadError) say(""); // the trouble reported below is over
          } else if (result.refused) {
            v.error = result.message;
            await put(v);
          } else {
            say(result.message, "error"); // e.g. the session ended: the officer signs in again
            status.dataset.uploadError = "1";
            // A server error is this visit's (tried again next round); the next ones may still go.
            // An ended session or a proxy page would refuse every visit alike: stop the round.
            if (!result.serverError) break;
          }
          await render();
        }
        await render();
      } while (again); // no await between this test and the end: a call from now on starts anew
    } finally {
      uploading = false;
      box.setAttribute("aria-busy", "false");
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const entry = form.querySelector("select[name=entry]");
    if (!entry.value) {
      say("Pilih keluarga yang dikunjungi.", "error");
      entry.focus();
      return;
    }
    const visit = {
      client_key: newKey(),
      saved_at: Date.now(),
      label: entry.selectedOptions[0].textContent.trim(),
      fields: {},
      photos: {},
    };
    for (const [name, value] of data.entries()) {
      if (name === "csrfmiddlewaretoken" || name === "client_key") continue;
      if (value instanceof File) {
        if (value.size) visit.photos[name] = { blob: value, name: value.name || name + ".jpg" };
      } else {
        visit.fields[name] = value;
      }
    }
    await put(visit);
    freshDate();
    form.reset();
    form.querySelector(".gps-status").textContent = ""; // the next visit takes its own position
    say("Kunjungan tersimpan di ponsel; terunggah sendiri ketika ada sinyal.", "success");
    await render();
    upload();
  });

  // The date of a new visit: today in the server's time zone (the one it checks dates in), not the
  // day the copy of this page was made — the page may have been opened online days before.
  const day = form.elements.visited_on;
  function today() {
    try {
      const parts = new Intl.DateTimeFormat("en", {
        timeZone: day.dataset.timeZone || undefined,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).formatToParts(new Date());
      const part = (type) => parts.find((p) => p.type === type).value;
      return part("year") + "-" + part("month") + "-" + part("day");
    } catch (e) {
      return "";
    }
  }
  function freshDate() {
    const now = today();
    if (/^\d{4}-\d{2}-\d{2}$/.test(now) && now > day.defaultValue) {
      day.max = now;
      day.defaultValue = now; // the value too, unless the officer typed one
    }
  }
  freshDate();

  // The family chosen from the list above.
  document.querySelectorAll("[data-pick-entry]").forEach((link) =>
    link.addEventListener("click", () => {
      form.querySelector("select[name=entry]").value = link.dataset.pickEntry;
    }));

  // GPS from the browser, with its accuracy.
  const gps = form.querySelector("[data-gps]");
  if (gps && navigator.geolocation) {
    gps.hidden = false;
    const where = form.querySelector(".gps-status");
    gps.addEventListener("click", () => {
      where.textContent = "Mencari lokasi…";
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          form.elements.latitude.value = pos.coords.latitude.toFixed(6);
          form.elements.longitude.value = pos.coords.longitude.toFixed(6);
          form.elements.accuracy_m.value = Math.round(pos.coords.accuracy);
          where.textContent = "Lokasi didapat (± " + Math.round(pos.coords.accuracy) + " m).";
        },
        () => { where.textContent = "Lokasi tidak didapat; izinkan akses lokasi atau isi koordinat sendiri."; },
        { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 },
      );
    });
  }

  window.addEventListener("online", upload);
  setInterval(() => { if (navigator.onLine) upload(); }, 30000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(box.dataset.sw, { scope: box.dataset.swScope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        // This page, and every script, stylesheet and icon of this site it loads (base.html's too).
        const urls = box.dataset.cache.split(" ").filter(Boolean);
        document.querySelectorAll("script[src], link[rel~='stylesheet'][href], link[rel~='icon'][href]")
          .forEach((el) => {
            const url = new URL(el.src || el.href, location.href);
            if (url.origin === location.origin && !urls.includes(url.pathname)) urls.push(url.pathname);
          });
        if (registration.active) registration.active.postMessage({ cache: urls });
      })
      .catch(() => { /* no service worker (private window, old browser): the page works while online */ });
  }

  render().then(upload);
})();
