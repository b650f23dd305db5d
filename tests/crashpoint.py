"""Run the command line, killing the process with SIGKILL around its Nth external write.

Usage: python tests/crashpoint.py N before|after -- ARGS...
Exits 3 without a kill when the pass made fewer than N writes. Test code only.
"""

import os
import signal
import sys

from interview_followup.integrations.ics_reminders import IcsReminders
from interview_followup.integrations.maildir_mailbox import MaildirMailbox

from interview_followup.daemon.cli.main import main

target, when = int(sys.argv[1]), sys.argv[2]
argv = sys.argv[sys.argv.index("--") + 1 :]
count = 0


def wrap(cls, name):
    real = getattr(cls, name)

    def write(self, *args, **kwargs):
        global count
        count += 1
        if count == target and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(self, *args, **kwargs)
        if count == target and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(cls, name, write)


for cls, names in ((MaildirMailbox, ("write_draft", "remove_draft")), (IcsReminders, ("put", "remove"))):
    for name in names:
        wrap(cls, name)

code = main(argv)
sys.exit(3 if code == 0 and count < target else code)
