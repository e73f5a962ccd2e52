"""A proposal item: its form (`proposals:item_new`, `proposals:item_edit`,
`proposals:regency_item_new`), its page (`proposals:item`) and the regency's list
(`proposals:regency`) where an item is returned to the village with a reason."""

import re

from .base import BasePage
from .region_picker import RegionPicker


class ItemFormPage(BasePage):
    """An item's form. The kinds with content (an addition, a replacement's incoming half, a
    correction's new values, and their edits) come in steps — `keluarga` (family and house),
    `anggota` (members), `ringkasan` (summary) —, each a page of its own; the others are one page."""

    def form(self):
        return self.page.locator("main form.item-form")

    def step(self) -> str:
        """The step shown ("keluarga", "anggota", "ringkasan"), "" on a one-page form."""
        return self.form().get_attribute("data-step") or ""

    def height(self) -> int:
        """The page's height in CSS pixels (how far one scrolls through this step)."""
        return self.page.evaluate("document.scrollingElement.scrollHeight")

    def _press(self, name):
        with self.page.expect_navigation():
            self.form().get_by_role("button", name=name, exact=True).click()
        return self

    def next(self):
        """ "Lanjut ke anggota" / "Lanjut ke ringkasan": the page of the next step (or this one again,
        with its errors)."""
        with self.page.expect_navigation():
            self.form().get_by_role("button", name=re.compile(r"^Lanjut ke ")).click()
        return self

    def back_to_family(self):
        name = "Ubah keluarga dan rumah" if self.step() == "ringkasan" else "Kembali ke keluarga dan rumah"
        return self._press(name)

    def back_to_members(self):
        return self._press("Ubah anggota")

    def fill_family(self, *, no_kk: str = "", rt: str = "", rw: str = "", alamat: str = "", individual=False):
        form = self.form()
        if individual:
            form.get_by_label("Individu di luar keluarga").check()
        if no_kk:
            form.get_by_label("Nomor KK", exact=True).fill(no_kk)
        form.get_by_label("RT", exact=True).fill(rt)
        form.get_by_label("RW", exact=True).fill(rw)
        form.locator("fieldset.family-fieldset").get_by_label("Alamat", exact=True).fill(alamat)
        return self

    def _card(self, index: int):
        return self.form().locator(f"details.person-form[data-person='{index}']")

    def person_count(self) -> int:
        return self.form().locator("details.person-form").count()

    def add_member(self):
        return self._press("+ Tambah anggota")

    def remove_member(self, index: int):
        """ "Hapus anggota ini" on the member's card."""
        card = self._card(index)
        if not card.evaluate("el => el.open"):
            card.locator(":scope > summary").click()
        with self.page.expect_navigation():
            card.get_by_role("button", name=re.compile(r"^Hapus anggota ini")).click()
        return self

    def fill_person(self, index: int, **fields):
        """Fields by label: nik, nama, tanggal_lahir (YYYY-MM-DD), jenis_kelamin ("Laki-laki"),
        hubungan_keluarga ("Istri"), status_perkawinan ("Kawin"). Opens the card if it is folded."""
        person = self._card(index)
        if not person.evaluate("el => el.open"):
            person.locator(":scope > summary").click()
        for name in ("nik", "nama", "tempat_lahir", "tanggal_lahir"):
            if name in fields:
                person.locator(f"[name='persons-{index}-{name}']").fill(fields[name])
        for name in ("jenis_kelamin", "hubungan_keluarga", "status_perkawinan"):
            if name in fields:
                person.locator(f"[name='persons-{index}-{name}']").select_option(label=fields[name])
        return self

    def summary(self) -> str:
        return self.page.locator("main .item-summary").inner_text()

    def find_record(self, number: str, **extra):
        """The registered record an item concerns (KK or NIK); a correction's first step."""
        form = self.form()
        form.get_by_label("Nomor KK atau NIK data terdaftar").fill(number)
        if "reason" in extra:
            form.get_by_label("Alasan penghapusan").select_option(label=extra["reason"])
        if "note" in extra:
            form.locator("[name=note]").first.fill(extra["note"])
        return self

    def destination(
        self, *, province: str, regency: str, district: str, village: str, alamat: str, rt="", rw=""
    ):
        RegionPicker(self.page, "id_destination_village").choose(province, regency, district, village)
        form = self.form()
        form.get_by_label("Alamat di tempat tujuan").fill(alamat)
        form.get_by_label("RT tujuan").fill(rt)
        form.get_by_label("RW tujuan").fill(rw)
        return self

    def search(self):
        with self.page.expect_navigation():
            self.form().get_by_role("button", name="Cari data").click()
        return self

    def save(self):
        """ "Simpan usulan": on a guided form, first on through the steps ("Lanjut") to the summary,
        stopping where a step refuses. Returns where it landed: the musyawarah (an item of a
        musyawarah), the item (the regency's own filing, or a returned item), or this form again
        with its errors."""
        from .musyawarah import MusyawarahPage

        while self.step() in ("keluarga", "anggota"):
            shown = self.step()
            self.next()
            if self.step() == shown:
                return self  # refused: the step shows its errors
        with self.page.expect_navigation():
            self.form().get_by_role("button", name="Simpan usulan").click()
        if re.search(r"/usulan/musyawarah/\d+/(#.*)?$", self.page.url):
            return MusyawarahPage(self.page, self.base_url)
        if "/usulan/item/" in self.page.url and "/ubah/" not in self.page.url:
            return ItemPage(self.page, self.base_url)
        return self

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li").all_inner_texts()


class ItemPage(BasePage):
    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/usulan/item/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/usulan/item/(\d+)/", self.page.url).group(1))

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def state(self) -> str:
        return self.page.locator("main .item-state").inner_text().strip()

    def last_reason(self) -> str:
        reason = self.page.locator("main .item-last-reason")
        return reason.inner_text().strip() if reason.count() else ""

    def persons(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main table.persons-table tbody th").all_inner_texts()]

    def id_number_overflows(self) -> list[dict]:
        """The id numbers (NIK, KK) that do not fit their cell: each number's box must lie inside its
        cell's, and the cell must not scroll sideways. Empty when every number shows whole."""
        return self.page.locator("main .id-number").evaluate_all(
            """els => els.map(el => {
                const cell = el.closest('td, dd');
                const text = document.createRange();
                text.selectNodeContents(el);
                const a = text.getBoundingClientRect(), b = cell.getBoundingClientRect();
                return {text: el.textContent.trim(), right: a.right, cellRight: b.right,
                        scroll: cell.scrollWidth, width: cell.clientWidth};
            }).filter(r => r.right > r.cellRight + 0.5 || r.scroll > r.width)"""
        )

    def diff(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main table.diff-table tbody tr").all_inner_texts()]

    def pair_link(self) -> str:
        link = self.page.locator("main dd a[href^='/usulan/item/']")
        return link.first.get_attribute("href") if link.count() else ""

    def facts(self) -> str:
        """The item's card (channel, region, KK, address, …) as text."""
        return self.page.locator("main section.result").inner_text()

    def history(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main ol.history > li").all_inner_texts()]

    def history_reasons(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main .history-reason").all_inner_texts()]

    def edit(self) -> ItemFormPage:
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Ubah usulan").click()
        return ItemFormPage(self.page, self.base_url)

    def act(self, transition: str, reason: str = ""):
        form = self.page.locator(f"main form.transition-form[data-transition='{transition}']")
        if reason:
            form.locator("textarea").fill(reason)
        with self.page.expect_navigation():
            form.get_by_role("button").click()
        return self


class RegencyPage(BasePage):
    path = "/usulan/kabupaten/"

    def item_ids(self) -> list[int]:
        return [
            int(i)
            for i in self.page.locator("main ul.regency-items > li").evaluate_all(
                "els => els.map(e => e.dataset.item)"
            )
        ]

    def return_to_village(self, item_id: int, reason: str):
        card = self.page.locator(f"main ul.regency-items > li[data-item='{item_id}']")
        card.get_by_label("Alasan pengembalian").fill(reason)
        with self.page.expect_navigation():
            card.get_by_role("button", name="Kembalikan ke desa/kelurahan").click()
        return self
