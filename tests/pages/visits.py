"""Field visits (issue 15): the regency's prelists (`verification:prelists`, /verval/prelist/, and
`verification:prelist`), the field officer's list (`verification:field`, /verval/lapangan/) and a
prelist's visit page (`verification:field_prelist`, /verval/lapangan/prelist/<id>/, driven by
static/js/field-visits.js), and the visits on an item's review (`verification:review`, #kunjungan)."""

import re

from .base import BasePage
from .verval import ReviewPage

VISIT_API = "/api/v1/lapangan/kunjungan/"


class PrelistsPage(BasePage):
    path = "/verval/prelist/"

    def prelist_ids(self) -> list[int]:
        rows = self.page.locator("main table.prelists-table tbody tr")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.prelist)")]

    def draw_up(self, *, village: str, title: str, officers: list[str], include_queue: bool = True):
        """ "Susun prelist": the village by its code, the officers by their names. The new prelist's
        page when drawn up, else this page with its errors."""
        form = self.page.locator("main section.prelist-new form")
        form.get_by_role("combobox", name="Desa/kelurahan").select_option(village)
        form.get_by_role("textbox", name="Judul").fill(title)
        for name in officers:
            form.get_by_role("checkbox", name=name, exact=True).check()
        form.get_by_role("checkbox", name="Sertakan usulan").set_checked(include_queue)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Susun prelist").click()
        if re.search(r"/verval/prelist/\d+/$", self.page.url):
            return PrelistPage(self.page, self.base_url)
        return self

    def errors(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main .errorlist li").all_inner_texts()]


class PrelistPage(BasePage):
    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/verval/prelist/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/prelist/(\d+)/", self.page.url).group(1))

    def messages(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".messages li").all_inner_texts()]

    def item_ids(self) -> list[int]:
        rows = self.page.locator("main table.prelist-entries tbody tr[data-item]")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.item)")]

    def visit_counts(self) -> dict[int, int]:
        """Visits uploaded per entry."""
        rows = self.page.locator("main table.prelist-entries tbody tr")
        pairs = rows.evaluate_all(
            "els => els.map(e => [e.dataset.entry, e.querySelector('.visit-count').textContent.trim()])"
        )
        return {int(e): int(n) for e, n in pairs}


class FieldPage(BasePage):
    """The prelists assigned to the signed-in field officer."""

    path = "/verval/lapangan/"

    def prelist_ids(self) -> list[int]:
        cards = self.page.locator("main ul.field-prelists li[data-prelist]")
        return [int(i) for i in cards.evaluate_all("els => els.map(e => e.dataset.prelist)")]

    def open_visits(self, pk: int) -> "VisitPage":
        with self.page.expect_navigation():
            self.page.locator(f"main li[data-prelist='{pk}'] h2 a").click()
        return VisitPage(self.page, self.base_url).ready()


class VisitPage(BasePage):
    """A prelist's visit page. A visit saved with "Simpan kunjungan" is kept on the phone (IndexedDB),
    listed under "Menunggu unggah" and uploaded by the script when the server can be reached."""

    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/verval/lapangan/prelist/{pk}/"

    def open(self, query: str = ""):
        super().open(query)
        return self.ready()

    def reload(self):
        """Reloads the page; the response (None when the browser had no answer at all)."""
        response = self.page.reload()
        self.ready()
        return response

    def ready(self):
        """The script has drawn the list of visits waiting (it fills `data-count`) and is done with
        the uploads it tries when the page opens."""
        self.page.locator("#antrean-unggah[data-count]:not([aria-busy='true'])").wait_for(state="attached")
        return self

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def form(self):
        return self.page.locator("main form[data-visit-form]")

    def entry_ids(self) -> list[int]:
        cards = self.page.locator("main ol.field-entries li[data-entry]")
        return [int(i) for i in cards.evaluate_all("els => els.map(e => e.dataset.entry)")]

    def uploaded(self, entry_id: int) -> str:
        """ "n kunjungan terunggah" on a family of the list (counted by the server)."""
        return (
            self.page.locator(f"main ol.field-entries li[data-entry='{entry_id}'] .uploaded")
            .inner_text()
            .strip()
        )

    # ---- the form -------------------------------------------------------------------------------

    def pick(self, entry_id: int):
        """ "Catat kunjungan" on a family of the list: the form below gets that family."""
        self.page.locator(f"main ol.field-entries [data-pick-entry='{entry_id}']").click()
        return self

    def chosen_entry(self) -> str:
        return self.form().get_by_label("Keluarga", exact=True).input_value()

    def date(self, day: str):
        self.form().get_by_label("Tanggal kunjungan", exact=True).fill(day)
        return self

    def locate(self) -> str:
        """ "Ambil lokasi": waits for the coordinates; the status line it shows."""
        self.form().get_by_role("button", name="Ambil lokasi").click()
        status = self.form().locator(".gps-status")
        self.page.wait_for_function(
            "el => el.textContent.startsWith('Lokasi didapat')", arg=status.element_handle()
        )
        return status.inner_text().strip()

    def position(self) -> tuple[str, str, str]:
        f = self.form()
        return (
            f.get_by_label("Lintang", exact=True).input_value(),
            f.get_by_label("Bujur", exact=True).input_value(),
            f.get_by_label("Akurasi (meter)", exact=True).input_value(),
        )

    def house(self, field: str, label: str):
        """One answer of the house survey, by the attribute's name (`atap`, `lantai`, …)."""
        self.form().locator(f"select[name='house_{field}']").select_option(label=label)
        return self

    def note(self, text: str):
        self.form().get_by_label("Catatan", exact=True).fill(text)
        return self

    def photo(self, kind: str, path: str):
        """A photo of the checklist (`depan`, `atap`, `kk`, …) from a file."""
        self.form().locator(f"input[type=file][name='foto_{kind}']").set_input_files(path)
        return self

    def save(self):
        """ "Simpan kunjungan": the visit is kept on the phone (the form empties and says so) and the
        script tries to upload it at once; returns when that try is over, whatever its outcome."""
        with self.page.expect_request(lambda r: r.method == "POST" and VISIT_API in r.url):
            self.form().get_by_role("button", name="Simpan kunjungan").click()
        return self.wait_uploads_tried()

    def status(self) -> str:
        return self.page.locator(".visit-form .form-status").inner_text().strip()

    # ---- the visits waiting on the phone --------------------------------------------------------

    def waiting(self) -> int:
        """The "Menunggu unggah" count (0 when the box is hidden: nothing waits)."""
        return int(self.page.locator("#antrean-unggah").get_attribute("data-count") or 0)

    def waiting_shown(self) -> bool:
        return self.page.locator("#antrean-unggah").is_visible()

    def badge(self) -> str:
        return self.page.locator("#antrean-unggah .pending-count").inner_text().strip()

    def waiting_rows(self) -> list[dict]:
        """The visits listed as waiting: their text and whether the server refused them."""
        return self.page.locator("#antrean-unggah .pending-list li").evaluate_all(
            "els => els.map(e => ({key: e.dataset.clientKey, text: e.textContent,"
            " refused: e.classList.contains('message--error')}))"
        )

    def wait_uploads_tried(self, timeout: float = 15_000):
        """The script is done trying to upload (the list is `aria-busy` while it tries). Call it once
        a try has begun: after an upload request, the `online` event or the page's opening."""
        self.page.locator("#antrean-unggah:not([aria-busy='true'])").wait_for(
            state="attached", timeout=timeout
        )
        return self

    def go_online(self):
        """What the browser does when the signal comes back: the `online` event."""
        self.page.evaluate("window.dispatchEvent(new Event('online'))")
        return self

    # ---- the service worker ---------------------------------------------------------------------

    def wait_offline_ready(self, timeout: float = 15_000):
        """The service worker controls this page and its cache holds the page, so it opens without
        a signal."""
        self.page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=timeout, polling=100
        )
        self.page.wait_for_function(
            """() => {
                if (window.__dtksCached) return true;
                caches.match(location.pathname).then((hit) => { window.__dtksCached = !!hit; });
                return false;
            }""",
            timeout=timeout,
            polling=200,
        )
        return self

    def kept_copy(self) -> str:
        """The HTML of this page the service worker keeps."""
        return self.page.evaluate("caches.match(location.pathname).then((hit) => hit.text())")


class VisitEvidence(ReviewPage):
    """The visits on an item's review (#kunjungan), as the regency verifier reads them."""

    def visits(self) -> list[dict]:
        return self.page.locator("main #kunjungan article.visit").evaluate_all(
            """els => els.map(e => ({
                id: Number(e.dataset.visit.replace(/\\D/g, '')),
                heading: e.querySelector('h3').textContent.trim(),
                gps: e.querySelector('.visit-gps').textContent.trim(),
                note: (e.querySelector('.visit-note') || {textContent: ''}).textContent.trim(),
                gaps: (e.querySelector('.visit-gaps') || {textContent: ''}).textContent.trim(),
                house: Object.fromEntries([...e.querySelectorAll('dl.facts dt')].map(
                    dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])),
            }))"""
        )

    def photos(self) -> list[dict]:
        """Every photo shown, scrolled into view first so the lazy images load: its kind, address and
        the size the browser decoded (0 when it did not load)."""
        images = self.page.locator("main #kunjungan .photo-grid img")
        for i in range(images.count()):
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            self.page.wait_for_function("img => img.complete", arg=img.element_handle())
        return self.page.locator("main #kunjungan .photo-grid li").evaluate_all(
            """els => els.map(li => {
                const img = li.querySelector('img');
                return {kind: li.dataset.kind, src: img.getAttribute('src'), alt: img.alt,
                        width: img.naturalWidth, height: img.naturalHeight};
            })"""
        )
