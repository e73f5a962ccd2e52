import json
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from dtks.core.formatting import angka
from dtks.regions.models import Region
from dtks.registry.integrity import enabled_rules, registry_findings


class Command(BaseCommand):
    help = (
        "Jalankan setiap aturan integritas yang aktif atas registri saat ini — termasuk pencocokan Dukcapil "
        "bila sumbernya diatur — dan cetak temuannya (kode aturan, orang atau keluarga, NIK/KK, rincian). "
        "Tidak menulis apa pun. Dengan --format json: satu objek JSON per baris, satu per temuan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="Kode wilayah (provinsi, kabupaten/kota, kecamatan atau desa).")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        # The civil registry is a core package that reads the registry; imported here, where the two meet.
        from dtks.civil.registry_check import registry_civil_findings

        region = (options["region"] or "").strip() or None
        if region is not None and not Region.objects.filter(code=region).exists():
            raise CommandError(f'Kode wilayah "{region}" tidak ada di data Kemendagri; periksa kodenya.')
        rules = enabled_rules()
        counts: Counter = Counter()
        as_json = options["format"] == "json"
        for finding in registry_findings(region=region, rules=rules):
            counts[finding["rule"]] += 1
            self._write(finding, as_json)
        for finding in registry_civil_findings(region=region, rules=rules):
            counts[finding["rule"]] += 1
            self._write({**finding, "family_id": None, "no_kk": None}, as_json)
        summary = ", ".join(f"{rule}: {angka(n)}" for rule, n in sorted(counts.items())) or "tidak ada temuan"
        (self.stderr if as_json else self.stdout).write(f"Temuan: {summary}.")

    def _write(self, f: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(f, ensure_ascii=False, sort_keys=True, default=str))
            return
        who = (
            f"orang {f['person_id']} NIK {f['nik'] or '—'}"
            if f["person_id"]
            else f"keluarga {f['family_id']} KK {f['no_kk']}"
        )
        detail = f.get("message") or json.dumps(f["detail"], ensure_ascii=False, sort_keys=True)
        self.stdout.write(f"{f['rule']}\t{who}\tdesa {f['village_code']}\t{','.join(f['fields'])}\t{detail}")
