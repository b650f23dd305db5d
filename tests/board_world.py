"""A scripted job search with applications in every stage, for the board and ``status``
tests: made through the real command line (passes with ``--now``) on the embedded providers.

At ``NOW`` (Mon 23 Nov 2026, 12:00 in Berlin):
- Acme (Backend Engineer), interviewed Tue 17 Nov: the follow-up is due: waiting on you;
- Hooli (Data Engineer), interviewed Wed 18 Nov: a bounce: flagged, waiting on them;
- Umbrella (Platform Engineer, a large company), interviewed Thu 19 Nov: waiting on them, the
  follow-up on Fri 27 Nov;
- Globex (SRE), interview on Thu 26 Nov: upcoming; and Soylent, its second round on Tue 24
  Nov after an invitation to another round (round 2 of one application);
- Initech (QA Engineer), rejected on Thu 5 Nov: closed (rejected); Stark (ML Engineer),
  closed by the user as withdrawn.
"""

from __future__ import annotations

from conftest import World, vevent

NOW = "2026-11-23T12:00:00+01:00"

EVENTS = (
    vevent("acme-1@test", "20261117T140000", "20261117T150000", "Acme – Backend Engineer interview",
           attendees=(("Jane Doe", "jane.doe@acme.example"), ("Ravi Patel", "ravi@acme.example"))),
    vevent("hooli-1@test", "20261118T100000", "20261118T110000", "Hooli – Data Engineer interview",
           attendees=(("Gavin Belson", "gavin@hooli.example"),)),
    vevent("umbrella-1@test", "20261119T100000", "20261119T110000", "Umbrella – Platform Engineer interview",
           attendees=(("Alice Wong", "alice@umbrella.example"),), description="size: large"),
    vevent("globex-1@test", "20261126T093000", "20261126T103000", "Globex – SRE interview",
           attendees=(("Petra Schulz", "petra@globex.example"),)),
    vevent("soylent-1@test", "20261116T100000", "20261116T110000", "Soylent – Product Designer interview",
           attendees=(("Sol Green", "sol@soylent.example"),)),
    vevent("soylent-2@test", "20261124T150000", "20261124T160000", "Soylent – Product Designer interview",
           attendees=(("Sol Green", "sol@soylent.example"), ("Ada Lee", "ada@soylent.example"))),
    vevent("initech-1@test", "20261102T100000", "20261102T110000", "Initech – QA Engineer interview",
           attendees=(("Bill Lumbergh", "bill@initech.example"),)),
    vevent("stark-1@test", "20261110T100000", "20261110T110000", "Stark – ML Engineer interview",
           attendees=(("Pepper Potts", "pepper@stark.example"),)),
)


def build(world: World) -> World:
    """The search above, at ``NOW`` (each pass a real one)."""
    world.set_calendar(*EVENTS)
    world.once("2026-11-02T12:00:00+01:00")  # Initech's interview is over
    world.deliver("INBOX", sender="Bill Lumbergh <bill@initech.example>", subject="Your application",
                  date="Thu, 05 Nov 2026 10:00:00 +0100",
                  body="Dear Alex,\n\nthank you for your time. Unfortunately we have decided to move forward "
                       "with other candidates.\n\nBill")
    world.once("2026-11-05T12:00:00+01:00")
    world.once("2026-11-16T12:00:00+01:00")  # Stark's and Soylent's first interviews are over
    assert world.cli("close", "Stark", "--outcome", "withdrawn", "--note", "took another offer",
                     now="2026-11-16T12:05:00+01:00").code == 0
    world.deliver("INBOX", sender="Sol Green <sol@soylent.example>", subject="Next steps",
                  date="Tue, 17 Nov 2026 09:00:00 +0100",
                  body="Hi Alex,\n\nwe would like to invite you to a second interview with our design lead."
                       "\n\nSol")
    world.once("2026-11-17T16:00:00+01:00")  # Acme's interview is over
    world.once("2026-11-18T12:00:00+01:00")
    world.deliver("INBOX", sender="Mail Delivery System <MAILER-DAEMON@mail.example.org>",
                  subject="Undelivered Mail Returned to Sender", date="Wed, 18 Nov 2026 12:30:00 +0100",
                  headers={"Auto-Submitted": "auto-replied"},
                  body="I'm sorry to have to inform you that your message could not be delivered.\n\n"
                       "<gavin@hooli.example>: host mx.hooli.example said: 550 5.1.1 User unknown\n")
    world.once("2026-11-19T12:00:00+01:00")
    world.once("2026-11-20T18:00:00+01:00")
    world.once(NOW)
    return world
