"""interview-followup: the follow-up loop a career coach would run after every interview.

Installed, this folder is ``interview_followup.daemon``. The data flows through the
sub-packages in this order, and no module imports one that comes later:

    model, config, errors, clock, keys, frozen, providers, common/,
    employers/, data/                                                    (below everything)
    calendar/  ->  mail/  ->  loop/  ->  store/                          (the stages)
    engine/                                                              (one pass over them)
    service/   ->  cli/                                                  (running it)

The core never imports a concrete provider; providers are found through entry points
(see ``providers``).
"""

__version__ = "0.2.0"

if __name__ != "interview_followup.daemon":  # pragma: no cover - a wrong way to run the source
    raise ImportError(
        f"this folder is the source of interview_followup.daemon and was imported as {__name__!r}; "
        "install the project (pip install -e .) and use 'interview-followup' or "
        "'python -m interview_followup.daemon'"
    )
