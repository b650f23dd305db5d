"""The shipped draft and reminder templates: English here, other languages in folders named by
their code (``de/``, ``fr/``, ``es/``). Installed as plain files next to this module."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent
