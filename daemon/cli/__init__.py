"""The command line: argument parsing and each command (once, run, status, debrief, doctor,
init, ...), built on the engine and the service.
"""
