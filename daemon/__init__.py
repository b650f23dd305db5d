"""interview-followup: the follow-up loop a career coach would run after every interview.

The core never imports a concrete provider; providers are found through entry points
(see ``daemon.providers``).
"""

__version__ = "0.1.0"
