import datetime
from pathlib import Path

from django.core.management.base import BaseCommand

from portal.backup import database_dump, media_archive


class Command(BaseCommand):
    help = "Write a database dump (pg_dump custom format) and a tar of the media files to DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        dump = database_dump(directory / f"portal-{stamp}.dump")
        media = media_archive(directory / f"media-{stamp}.tar.gz")
        self.stdout.write(f"{dump}\n{media}")
