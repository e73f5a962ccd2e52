// The field officer's visit page offline (templates/verification/field_prelist.html; docs/verification.md,
// "Field visits"). Plain JavaScript, no library, no outside host (the CSP allows neither).
//
// 1. A service worker (/verval/lapangan/sw.js) keeps a copy of this page and its assets, so the page
//    opens again without signal once it has been opened online.
// 2. "Simpan kunjungan" stores the visit — fields and photos as Blobs — in IndexedDB under a key made
//    here (crypto.randomUUID), lists it as "menunggu unggah", and tries to upload it.
// 3. Uploads go to the API one by one; a visit leaves the phone only when the server answered 200/201
//    (201 recorded, 200 already recorded: the key makes a replay harmless). A refusal (400) stays on
//    the list with the server's message; a lost connection leaves it for the next try: when the
//    browser says it is online again, when the page opens, and every 30 seconds.
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

  const all = () => tx("readonly", (s) => s.getAll());
  const put = (visit) => tx("readwrite", (s) => s.put(visit));
  const drop = (key) => tx("readwrite", (s) => s.delete(key));

  function say(text, kind) {
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
    if (response.ok) return { done: true };
    let message = "Ditolak server (" + response.status + ").";
    try {
      const data = await response.json();
      const errors = Object.values(data.errors || {}).flat();
      message = errors.length ? errors.join(" ") : data.detail || message;
    } catch (e) { /* not JSON: keep the status */ }
    // A refusal stays refused until the officer acts; a server error or an expired session is retried.
    return { done: false, refused: response.status === 400 || response.status === 404, message };
  }

  async function upload() {
    if (uploading) return;
    uploading = true;
    try {
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
        } else if (result.refused) {
          v.error = result.message;
          await put(v);
        } else {
          break;
        }
      }
    } finally {
      uploading = false;
      await render();
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
    const visit = { client_key: newKey(), label: entry.selectedOptions[0].textContent.trim(), fields: {}, photos: {} };
    for (const [name, value] of data.entries()) {
      if (name === "csrfmiddlewaretoken" || name === "client_key") continue;
      if (value instanceof File) {
        if (value.size) visit.photos[name] = { blob: value, name: value.name || name + ".jpg" };
      } else {
        visit.fields[name] = value;
      }
    }
    await put(visit);
    form.reset();
    say("Kunjungan tersimpan di ponsel; terunggah sendiri ketika ada sinyal.", "success");
    await render();
    upload();
  });

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
        const urls = box.dataset.cache.split(" ").filter(Boolean);
        if (registration.active) registration.active.postMessage({ cache: urls });
      })
      .catch(() => { /* no service worker (private window, old browser): the page works while online */ });
  }

  render().then(upload);
})();
