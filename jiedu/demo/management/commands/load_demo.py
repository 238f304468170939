"""`python manage.py load_demo`: the synthetic demo province with one login per role."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError

from jiedu.checkins.models import PortalAccount
from jiedu.demo import community, measures, province


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "Load the synthetic demo province (division codes 99…, invented names) with one login "
        "per role, synthetic persons and measures at every stage, dated relative to today. "
        "Idempotent: a second run adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons",
            type=int,
            default=province.DEFAULT_PERSONS,
            help="number of synthetic persons (default %(default)s), plus a few duplicates",
        )

    def handle(self, *args, persons, **options):
        if persons < 0:
            raise CommandError("--persons must be zero or more")
        try:
            result = province.load(persons=persons)
            stages = measures.load()
        except province.DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"演示省：{result.units} 个机构，{result.persons_total} 份人员档案"
            f"（本次新建 {result.persons_created} 份）。"
        )
        self.stdout.write(
            f"戒毒措施：{stages.measures_total} 项（本次新建 {stages.measures_created} 项，"
            f"{stages.stories_played} 名人员）。"
        )
        header = ("用户名", "角色", "单位", "密码")
        rows = [header, *result.logins]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
        self.stdout.write("")
        for n, row in enumerate(rows):
            self.stdout.write(
                "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(
            f"打开 {province.URL} 用上面任一账号登录（密码均为 {province.DEMO_PASSWORD}）。"
        )
        phones = list(PortalAccount.objects.order_by("pk").values_list("phone", flat=True)[:3])
        if phones:
            self.stdout.write(
                f"本人端 {province.URL}portal/ ：手机号 {'、'.join(phones)}，"
                f"初始密码 {community.PORTAL_PASSWORD}（首次登录须修改）。"
            )
