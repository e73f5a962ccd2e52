"""The regency verifier's verval pages: the queue (`verification:queue`, /verval/), an item's review
(`verification:review`, /verval/usulan/<id>/) and its decision form (`verification:decide`,
/verval/usulan/<id>/putuskan/)."""

import re

from .base import BasePage


class VervalQueuePage(BasePage):
    path = "/verval/"

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def item_ids(self) -> list[int]:
        rows = self.page.locator("main table.queue-table tbody tr")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.item)")]

    def tab_count(self, tab: str = "antrean") -> int:
        return int(self.page.locator(f"main nav.tabs a[data-tab='{tab}'] .badge").inner_text())

    def open_review(self, item_id: int) -> "ReviewPage":
        with self.page.expect_navigation():
            self.page.locator(f"main tr[data-item='{item_id}'] th a").click()
        return ReviewPage(self.page, self.base_url)

    def open_decision(self, item_id: int) -> "DecidePage":
        with self.page.expect_navigation():
            self.page.locator(f"main tr[data-item='{item_id}']").get_by_role("link", name="Putuskan").click()
        return DecidePage(self.page, self.base_url)


class ReviewPage(BasePage):
    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/verval/usulan/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/verval/usulan/(\d+)/", self.page.url).group(1))

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def state(self) -> str:
        return self.page.locator("main .item-state").inner_text().strip()

    def finding_rules(self) -> list[str]:
        return self.page.locator("main section#temuan li[data-rule]").evaluate_all(
            "els => els.map(e => e.dataset.rule)"
        )

    def messages(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".messages li").all_inner_texts()]

    def decide(self) -> "DecidePage":
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Putuskan", exact=True).click()
        return DecidePage(self.page, self.base_url)


class DecidePage(BasePage):
    def form(self):
        return self.page.locator("main form.card")

    def choose(self, label: str):
        """A decision by its label: "Verifikasi sesuai usulan", "Verifikasi dengan perbaikan",
        "Kembalikan ke desa/kelurahan", "Tolak"."""
        self.form().get_by_label(label, exact=True).check()
        return self

    def reason(self, text: str):
        self.form().locator("[name=reason]").fill(text)
        return self

    def reason_code(self, label: str):
        self.form().locator("[name=reason_code]").select_option(label=label)
        return self

    def override_rules(self) -> list[str]:
        """The finding rules the form asks an override reason for."""
        names = self.form().locator("textarea[name^='override_']").evaluate_all("els => els.map(e => e.name)")
        return [n.removeprefix("override_") for n in names]

    def override(self, rule: str, text: str):
        self.form().locator(f"[name='override_{rule}']").fill(text)
        return self

    def correct(self, **fields):
        """Corrections by field name: family_alamat, family_rt, p0_nama, p1_tanggal_lahir, …
        (opens the folded corrections first)."""
        details = self.form().locator("details")
        if not details.evaluate("el => el.open"):
            details.locator(":scope > summary").click()
        for name, value in fields.items():
            self.form().locator(f"[name='{name}']").fill(value)
        return self

    def save(self):
        """ "Simpan keputusan": the item's review when decided, else this form with its errors."""
        with self.page.expect_navigation():
            self.form().get_by_role("button", name="Simpan keputusan").click()
        if re.search(r"/verval/usulan/\d+/$", self.page.url):
            return ReviewPage(self.page, self.base_url)
        return self

    def errors(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main .errorlist li").all_inner_texts()]


class SubmissionsPage(BasePage):
    """The regency submissions (`verification:submissions`, /verval/pengajuan/)."""

    path = "/verval/pengajuan/"

    def to_gather(self) -> int:
        return int(self.page.locator("main .to-gather").get_attribute("data-count"))

    def gather(self) -> "SubmissionPage":
        with self.page.expect_navigation():
            self.page.locator("main section.gather").get_by_role("button").click()
        return SubmissionPage(self.page, self.base_url)

    def submission_ids(self) -> list[int]:
        rows = self.page.locator("main table.submissions-table tbody tr")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.submission)")]

    def open_submission(self, pk: int) -> "SubmissionPage":
        with self.page.expect_navigation():
            self.page.locator(f"main tr[data-submission='{pk}'] th a").click()
        return SubmissionPage(self.page, self.base_url)


class SubmissionPage(BasePage):
    """One submission (`verification:submission`): its summary, the sign-off form and the sending."""

    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/verval/pengajuan/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/verval/pengajuan/(\d+)/", self.page.url).group(1))

    def state(self) -> str:
        return self.page.locator("main .submission-state").inner_text().strip()

    def total(self) -> int:
        return int(self.page.locator("main .submission-total").inner_text().replace(".", ""))

    def item_ids(self) -> list[int]:
        rows = self.page.locator("main table.submission-items tbody tr")
        return [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.item)")]

    def overridden_rules(self) -> list[str]:
        return self.page.locator("main .override-counts li[data-rule]").evaluate_all(
            "els => els.map(e => e.dataset.rule)"
        )

    def messages(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".messages li").all_inner_texts()]

    def errors(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main section.sign .errorlist li").all_inner_texts()]

    def sign(self, *, letter: str = "", number: str = "", day: str = "") -> "SubmissionPage":
        form = self.page.locator("main section.sign form")
        if letter:
            form.locator("input[type=file]").set_input_files(letter)
        form.get_by_label("Nomor surat").fill(number)
        form.get_by_label("Tanggal surat").fill(day)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Sahkan pengajuan").click()
        return self

    def send(self) -> "SubmissionPage":
        with self.page.expect_navigation():
            self.page.locator("main section.send").get_by_role("button", name="Kirim ke provinsi").click()
        return self

    def recap_sha256(self) -> str:
        return self.page.locator("main .recap-sha256").inner_text().strip()

    # -- the province (issue 16) --------------------------------------------------------------------

    def item_states(self) -> dict[int, str]:
        rows = self.page.locator("main table.submission-items tbody tr")
        pairs = rows.evaluate_all("els => els.map(e => [e.dataset.item, e.dataset.state])")
        return {int(pk): state for pk, state in pairs}

    def selectable_ids(self) -> list[int]:
        boxes = self.page.locator("main form.province-choice input[name=items]")
        return [int(v) for v in boxes.evaluate_all("els => els.map(e => e.value)")]

    def tick(self, *pks: int) -> "SubmissionPage":
        for pk in pks:
            self.page.locator(f"main form.province-choice input[name=items][value='{pk}']").check()
        return self

    def dispute_selected(self, reason: str) -> "SubmissionPage":
        form = self.page.locator("main form.province-choice")
        form.get_by_label("Alasan sanggahan").fill(reason)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Sanggah yang dipilih").click()
        return self

    def forward_selected(self) -> "SubmissionPage":
        with self.page.expect_navigation():
            self.page.locator("main form.province-choice").get_by_role(
                "button", name="Teruskan yang dipilih"
            ).click()
        return self

    def forward_all(self) -> "SubmissionPage":
        with self.page.expect_navigation():
            self.page.locator("main section.forward").get_by_role("button").click()
        return self

    def province_errors(self) -> list[str]:
        return [
            t.strip() for t in self.page.locator("main form.province-choice .errorlist li").all_inner_texts()
        ]


class ProvincePage(BasePage):
    """The province's summary (`verification:province`, /verval/provinsi/)."""

    path = "/verval/provinsi/"

    def regencies(self) -> dict[str, int]:
        """Regency code -> items waiting."""
        rows = self.page.locator("main table.province-table tbody tr")
        codes = rows.evaluate_all("els => els.map(e => e.dataset.regency)")
        waiting = [int(t.replace(".", "")) for t in rows.locator(".regency-waiting").all_inner_texts()]
        return dict(zip(codes, waiting, strict=True))

    def open_submission(self, pk: int) -> SubmissionPage:
        with self.page.expect_navigation():
            self.page.locator(f"main table.province-table a[href='/verval/pengajuan/{pk}/']").click()
        return SubmissionPage(self.page, self.base_url)
