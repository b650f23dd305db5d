"""Run the command line, killing the process with SIGKILL around its Nth external write.

Usage: python tests/crashpoint.py N before|after[:METHOD] -- ARGS...
The writes counted are the mailbox's draft writes and removals and the reminder sink's
puts, removes and flushes (the flush is what reaches the file); with ``:METHOD`` (e.g.
``before:flush``) only the calls of that method. Exits 3 without a kill when the pass
made fewer than N of them. Test code only.
"""

import os
import signal
import sys

from interview_followup.integrations.ics_reminders import IcsReminders
from interview_followup.integrations.maildir_mailbox import MaildirMailbox

from interview_followup.daemon.cli.main import main

target, (when, _, only) = int(sys.argv[1]), sys.argv[2].partition(":")
argv = sys.argv[sys.argv.index("--") + 1 :]
count = 0


def wrap(cls, name):
    real = getattr(cls, name)

    def write(self, *args, **kwargs):
        global count
        if only and name != only:
            return real(self, *args, **kwargs)
        count += 1
        if count == target and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(self, *args, **kwargs)
        if count == target and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(cls, name, write)


for cls, names in ((MaildirMailbox, ("write_draft", "remove_draft")), (IcsReminders, ("put", "remove", "flush"))):
    for name in names:
        wrap(cls, name)

code = main(argv)
sys.exit(3 if code == 0 and count < target else code)
