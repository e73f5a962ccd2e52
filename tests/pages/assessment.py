"""The ministry's assessment pages: the queue (`determination:queue`, /penilaian/), an item's review
(`determination:review`, /penilaian/usulan/<id>/) and its decision form (`determination:decide`)."""

import re

from .base import BasePage
from .verval import ReviewPage, VervalQueuePage


class AssessmentQueuePage(VervalQueuePage):
    path = "/penilaian/"

    def open_review(self, item_id: int) -> "AssessmentReviewPage":
        with self.page.expect_navigation():
            self.page.locator(f"main tr[data-item='{item_id}'] th a").click()
        return AssessmentReviewPage(self.page, self.base_url)

    def tick(self, *item_ids: int) -> "AssessmentQueuePage":
        for pk in item_ids:
            self.page.locator(f"main tr[data-item='{pk}'] input[type=checkbox]").check()
        return self

    def accept_ticked(self) -> "AssessmentQueuePage":
        with self.page.expect_navigation():
            self.page.locator("main form#massal").get_by_role("button", name="Terima yang dipilih").click()
        return self

    def messages(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".messages li").all_inner_texts()]


class AssessmentReviewPage(ReviewPage):
    def __init__(self, page, base_url: str, pk: int | None = None):
        super().__init__(page, base_url)
        if pk is not None:
            self.path = f"/penilaian/usulan/{pk}/"

    @property
    def pk(self) -> int:
        return int(re.search(r"/penilaian/usulan/(\d+)/", self.page.url).group(1))

    def waiting(self) -> str:
        return self.page.locator("main .timeline-now").inner_text().strip()

    def timeline(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main ol.timeline > li").all_inner_texts()]

    def decide(self) -> "AssessmentDecidePage":
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Putuskan", exact=True).click()
        return AssessmentDecidePage(self.page, self.base_url)


class AssessmentDecidePage(BasePage):
    def form(self):
        return self.page.locator("main form.card")

    def choose(self, label: str) -> "AssessmentDecidePage":
        """A decision by its label: "Terima", "Kembalikan ke kabupaten/kota", "Kirim ke penjaminan
        kualitas", "Terima (verval Kementerian Sosial)", "Tolak (verval Kementerian Sosial)"."""
        self.form().get_by_label(label, exact=True).check()
        return self

    def rule(self, code: str) -> "AssessmentDecidePage":
        self.form().locator(f"input[name=rule_codes][value='{code}']").check()
        return self

    def note(self, text: str) -> "AssessmentDecidePage":
        self.form().locator("[name=note]").fill(text)
        return self

    def override(self, rule: str, text: str) -> "AssessmentDecidePage":
        self.form().locator(f"[name='override_{rule}']").fill(text)
        return self

    def save(self):
        """ "Simpan keputusan": the item's review when decided, else this form with its errors."""
        with self.page.expect_navigation():
            self.form().get_by_role("button", name="Simpan keputusan").click()
        if re.search(r"/penilaian/usulan/\d+/$", self.page.url):
            return AssessmentReviewPage(self.page, self.base_url)
        return self

    def errors(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main .errorlist li").all_inner_texts()]
