"""A base for the project's management commands: errors reach the clerk in Chinese, without Python's words."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class XinyongCommand(BaseCommand):
    _from_command_line = False

    def run_from_argv(self, argv: list[str]) -> None:
        self._from_command_line = True
        super().run_from_argv(argv)

    def execute(self, *args: Any, **options: Any) -> Any:
        if not self._from_command_line or options.get("traceback"):
            return super().execute(*args, **options)
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            # Django would print "CommandError: …"; a clerk reads "错误：…".
            self.stderr.write(f"错误：{exc}")
            sys.exit(exc.returncode or 1)
