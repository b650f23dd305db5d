"""``python -m interview_followup.daemon``: the same as the ``interview-followup`` command."""

from interview_followup.daemon.cli.main import entry

raise SystemExit(entry())
