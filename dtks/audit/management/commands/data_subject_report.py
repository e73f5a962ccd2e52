import sys

from django.core.management.base import BaseCommand, CommandError

from dtks.audit.selectors import subject_report
from dtks.audit.services import audit_record
from dtks.registry.identity import check_nik


def _period(v) -> str:
    return f"{v.valid_from:%Y-%m}–{v.valid_to:%Y-%m}" if v.valid_to else f"{v.valid_from:%Y-%m}–kini"


class Command(BaseCommand):
    help = (
        "Cetak semua data yang disimpan tentang satu NIK dan setiap akses ke data itu "
        "(hak akses subjek data, UU 27/2022). NIK dibaca dari masukan standar agar tidak tercatat di riwayat shell."
    )

    def add_arguments(self, parser):
        parser.add_argument("--nik", help="NIK (jika tidak diberikan, dibaca dari masukan standar).")
        parser.add_argument("--actor", default="sistem:data_subject_report", help="Dicatat sebagai pelaku.")

    def handle(self, *args, **options):
        raw = options["nik"] or sys.stdin.readline()
        check = check_nik(raw)
        if not check.valid:
            raise CommandError(check.messages[0] if check.errors else "NIK wajib diisi.")
        report = subject_report(nik=check.value)
        # Producing the report is itself a full read of personal data: it is audited too.
        audit_record(
            actor=options["actor"],
            action="registry.subject_report",
            object_type="registry.person",
            object_id=",".join(str(p.person_id) for p in report.persons)[:64],
            subject_person_id=report.persons[0].person_id if report.persons else None,
            detail={"versions": len(report.persons), "events": len(report.events)},
        )
        w = self.stdout.write
        for section in report.sections:
            w(f"== {section.title} ({len(section.lines)})")
            for line in section.lines:
                w(f"  {line}")
        if not report.persons:
            w("Tidak ada data tentang NIK ini di registri.")
            return
        w(f"== Data orang ({len(report.persons)} versi)")
        for p in report.persons:
            w(
                f"  orang {p.person_id} [{_period(p)}{'' if p.published else ', belum terbit'}]: {p.nama}, "
                f"{p.tempat_lahir}, {p.tanggal_lahir or '-'}, {p.jenis_kelamin or '-'}, {p.status_perkawinan or '-'}, "
                f"wilayah {p.village_code}, RT {p.rt or '-'}/RW {p.rw or '-'}, {p.alamat}; kategori {p.kategori or '-'}; "
                f"kriteria {', '.join(p.kriteria) or '-'}; disabilitas {', '.join(p.disabilitas) or '-'}; "
                f"program {', '.join(p.program) or '-'}"
            )
        w(f"== Keanggotaan keluarga ({len(report.memberships)})")
        for m in report.memberships:
            w(f"  keluarga {m.family_id} sebagai {m.hubungan_keluarga or '-'} [{_period(m)}]")
        for f in report.families:
            w(
                f"  keluarga {f.family_id}: KK {f.no_kk}, wilayah {f.village_code}, RT {f.rt}/RW {f.rw}, {f.alamat} "
                f"[{_period(f)}]"
            )
        w(f"== Temuan integritas ({len(report.findings)})")
        for t in report.findings:
            w(f"  {t.rule} ({', '.join(t.fields) or '-'}) batch {t.batch_id}")
        w(f"== Akses dan perubahan ({len(report.events)})")
        for e in report.events:
            w(f"  {e.occurred_at:%Y-%m-%d %H:%M:%S} {e.actor_label} {e.action} {e.outcome} ip={e.ip or '-'}")
