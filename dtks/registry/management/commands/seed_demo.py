import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dtks.accounts.demo import LOGINS_FILE, DemoUsersUnavailable, demo_logins_write, demo_users_seed
from dtks.core.demo import DemoUnavailable as StageDemoUnavailable
from dtks.core.demo import demo_seeders
from dtks.core.formatting import angka
from dtks.registry.demo import DEMO_PERIOD, DemoUnavailable, demo_summary, registry_demo_seed
from dtks.registry.loading import FileRefused
from dtks.registry.management.commands.load_registry import parse_period


class Command(BaseCommand):
    help = (
        "Isi registri dengan data demo: ekstrak DTKS sintetis (semua kelurahan Kota Magelang dan "
        "beberapa desa Kabupaten Sleman) ditulis ke var/demo/ lalu dimuat lewat muat awal yang sebenarnya, "
        "termasuk beberapa cacat data yang disengaja. Aman dijalankan berulang; tidak melakukan apa pun bila "
        "registri sudah berisi muat awal lain. Lalu membuat satu akun demo per peran per tingkat wilayah "
        "(daftar masuk ditulis ke var/demo-logins.txt)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            default=f"{DEMO_PERIOD:%Y-%m}",
            help=f"Periode muat awal demo, YYYY-MM (bawaan {DEMO_PERIOD:%Y-%m}, tetap agar hasilnya sama).",
        )

    def handle(self, *args, **options):
        period = parse_period(options["period"])
        started = time.perf_counter()
        try:
            seed = registry_demo_seed(period=period)
        except (DemoUnavailable, FileRefused) as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        batch = seed.batch
        if seed.status == "other_baseline":
            where = f" dari berkas {batch.source_name}" if batch and batch.source_name else ""
            ident = f" (batch {batch.pk}, periode {batch.period:%Y-%m}{where})" if batch else ""
            self.stdout.write(
                self.style.WARNING(f"Registri sudah berisi muat awal lain{ident}; data demo tidak dimuat.")
            )
            return
        if seed.status == "already_loaded":
            self.stdout.write(
                f"Data demo sudah dimuat (batch {batch.pk}, periode {batch.period:%Y-%m}); "
                "tidak ada yang diubah."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Data demo dimuat sebagai periode {batch.period:%Y-%m} (batch {batch.pk}) "
                    f"dari {seed.path}."
                )
            )
        s = demo_summary(batch=batch)
        kinds = {}
        for v in seed.demo.villages:
            kinds[v.kind] = kinds.get(v.kind, 0) + 1
        self.stdout.write(
            f"  Wilayah: {angka(s['villages'])} kelurahan/desa ("
            + ", ".join(f"{angka(n)} {k}" for k, n in sorted(kinds.items()))
            + ")."
        )
        self.stdout.write(
            f"  {angka(s['families'])} keluarga, {angka(s['persons'])} orang "
            f"({angka(s['outside_families'])} individu di luar keluarga); "
            f"{angka(s['rows_refused'])} baris ditolak (contoh kesalahan format yang disengaja)."
        )
        found = ", ".join(f"{rule}: {angka(n)}" for rule, n in s["findings"].items())
        self.stdout.write(f"  Temuan integritas: {found or 'tidak ada'}.")
        for e in s["load_errors"]:
            self.stdout.write(f"    baris {e.row}, {e.field}: {e.message}")
        self.stdout.write(f"  Selesai dalam {f'{seconds:.1f}'.replace('.', ',')} dtk.")
        self._seed_users()
        self._seed_stages()

    def _seed_users(self):
        """One demo user per role per level (dtks/accounts/demo.py), and their logins in VAR_DIR."""
        try:
            users = demo_users_seed()
        except DemoUsersUnavailable as exc:
            raise CommandError(str(exc)) from exc
        path = demo_logins_write(users, settings.VAR_DIR / LOGINS_FILE)
        self.stdout.write(
            f"Akun demo: {angka(len(users.accounts) - len(users.skipped))} "
            f"({angka(len(users.created))} baru, {angka(len(users.updated))} dipulihkan); "
            f"daftar masuk di {path}."
        )
        if users.skipped:
            self.stdout.write(
                self.style.WARNING(
                    "  Nama pengguna dipakai akun bukan demo, tidak diubah: " + ", ".join(users.skipped)
                )
            )

    def _seed_stages(self):
        """Each stage's work in progress (dtks/core/demo.py: the stages register their seeders)."""
        for name, seed in demo_seeders():
            try:
                seeded = seed()
            except StageDemoUnavailable as exc:
                self.stdout.write(self.style.WARNING(f"{name} demo tidak dibuat: {exc}"))
                continue
            if seeded.created:
                self.stdout.write(f"{name} demo dibuat: {', '.join(seeded.created)}.")
            else:
                self.stdout.write(f"{name} demo sudah ada; tidak ada yang diubah.")
