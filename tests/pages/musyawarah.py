"""The village operator's musyawarah pages (`proposals:musyawarah_list` /usulan/,
`proposals:musyawarah_new`, `proposals:musyawarah`) and the returned-items list
(`proposals:returned`)."""

import re

from .base import BasePage


class MusyawarahListPage(BasePage):
    path = "/usulan/"

    def new(self) -> "MusyawarahFormPage":
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Catat musyawarah baru").click()
        return MusyawarahFormPage(self.page, self.base_url)

    def dates(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main table tbody th a").all_inner_texts()]


class MusyawarahFormPage(BasePage):
    path = "/usulan/musyawarah/baru/"

    def record(self, *, held_on: str, place: str, led_by: str, attendees: int, names: str = "", sources=()):
        form = self.page.locator("main form")
        form.get_by_label("Tanggal musyawarah").fill(held_on)
        form.get_by_label("Tempat").fill(place)
        form.get_by_label("Dipimpin oleh").fill(led_by)
        form.get_by_label("Jumlah peserta").fill(str(attendees))
        if names:
            form.get_by_label("Nama peserta").fill(names)
        for source in sources:
            form.get_by_label(source, exact=True).check()
        with self.page.expect_navigation():
            form.get_by_role("button", name="Simpan musyawarah").click()
        return MusyawarahPage(self.page, self.base_url)


class MusyawarahPage(BasePage):
    """One musyawarah: its minutes, its state, its items and the buttons that move it on."""

    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/usulan/musyawarah/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/usulan/musyawarah/(\d+)/", self.page.url).group(1))

    def state(self) -> str:
        return self.page.locator("main .musyawarah-state").inner_text().strip()

    def upload_minutes(self, path: str):
        form = self.page.locator("main form.minutes-form")
        form.locator("input[type=file]").set_input_files(path)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Unggah notulen").click()
        return self

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li, main .message--error").all_inner_texts()

    def hold(self):
        with self.page.expect_navigation():
            self.page.locator("main form.hold-form button").click()
        return self

    def add(self, kind_label: str):
        """Opens the form of a new item of one kind ("Penambahan", "Penghapusan", …)."""
        from .proposal_item import ItemFormPage

        with self.page.expect_navigation():
            self.page.locator("main .add-item").get_by_role("link", name=f"+ {kind_label}").click()
        return ItemFormPage(self.page, self.base_url)

    def import_file(self):
        """Opens the spreadsheet import of this musyawarah ("Impor usulan dari berkas")."""
        from .import_page import ImportUploadPage

        musyawarah_id = self.pk
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Impor usulan dari berkas (CSV/XLSX)").click()
        return ImportUploadPage(self.page, self.base_url, musyawarah_id)

    def open_submission(self) -> "SubmissionPage":
        """ "Ajukan musyawarah": the page that lists what will be submitted, to confirm."""
        with self.page.expect_navigation():
            self.page.locator("main .submit-form").get_by_role("link", name="Ajukan musyawarah").click()
        return SubmissionPage(self.page, self.base_url)

    def submit(self):
        """Submits the musyawarah: "Ajukan musyawarah", then the confirmation."""
        self.open_submission().confirm()
        return self

    def item_rows(self) -> list[dict]:
        rows = []
        for row in self.page.locator("main table.items-table tbody tr").all():
            cells = row.locator("td").all_inner_texts()
            rows.append(
                {
                    "id": int(row.get_attribute("data-item")),
                    "kind": cells[0],
                    "name": cells[1],
                    "state": cells[2],
                }
            )
        return rows

    def messages(self) -> list[str]:
        return self.page.locator(".messages li").all_inner_texts()

    def landed_item_id(self) -> int:
        """The item a save landed on (the page's #usulan-<id>)."""
        return int(re.search(r"#usulan-(\d+)$", self.page.url).group(1))

    def open_item(self, item_id: int | None = None):
        """Opens an item from its row (by default the one a save landed on)."""
        from .proposal_item import ItemPage

        item_id = item_id or self.landed_item_id()
        with self.page.expect_navigation():
            self.page.locator(f"main tr#usulan-{item_id} th a").click()
        return ItemPage(self.page, self.base_url)


class SubmissionPage(BasePage):
    """`proposals:musyawarah_submit` (GET): what submitting the musyawarah sends and what it leaves."""

    def groups(self) -> dict[str, list[int]]:
        """{kind heading ("Penambahan (2)"): [item ids]} of what will be submitted."""
        out = {}
        for heading in self.page.locator("main .submit-list h3.submit-kind").all():
            items = heading.locator("xpath=following-sibling::ul[1]/li")
            out[heading.inner_text().strip()] = [
                int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.item)")
            ]
        return out

    def partners(self) -> list[int]:
        """Ids of the second halves (a transfer's arrival) listed beside their first."""
        return [
            int(i)
            for i in self.page.locator("main .submit-partner").evaluate_all(
                "els => els.map(e => e.dataset.item)"
            )
        ]

    def staying(self) -> list[int]:
        rows = self.page.locator("main .submit-staying li")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.item)")]

    def refusals(self) -> list[str]:
        return self.page.locator("main .submit-refused p").all_inner_texts()

    def confirm(self) -> MusyawarahPage:
        with self.page.expect_navigation():
            self.page.locator("main form.submit-confirm button").click()
        return MusyawarahPage(self.page, self.base_url)


class ReturnedPage(BasePage):
    path = "/usulan/dikembalikan/"

    def rows(self) -> list[dict]:
        out = []
        for row in self.page.locator("main table.items-table tbody tr").all():
            out.append(
                {
                    "id": int(row.get_attribute("data-item")),
                    "reason": row.locator("td.item-reason").inner_text().strip(),
                }
            )
        return out

    def open(self, query: str = ""):
        return super().open(query)

    def open_item(self, item_id: int):
        from .proposal_item import ItemPage

        with self.page.expect_navigation():
            self.page.locator(f"main tr[data-item='{item_id}'] th a").click()
        return ItemPage(self.page, self.base_url)
