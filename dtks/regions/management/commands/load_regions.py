from django.core.management.base import BaseCommand

from dtks.core.formatting import angka
from dtks.regions.services import regions_load


class Command(BaseCommand):
    help = "Muat wilayah Kemendagri 2025 (38/514/7.285/83.762); aman dijalankan berulang."

    def handle(self, *args, **options):
        result = regions_load()
        levels = ", ".join(f"tingkat {k}: {angka(v)}" for k, v in sorted(result.by_level.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wilayah: {angka(result.total)} ({levels}); "
                f"baru {angka(result.inserted)}, diubah {angka(result.updated)}."
            )
        )
