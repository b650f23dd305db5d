"""Running for months: the long-running loop, systemd notify/watchdog, the user unit and its
installer, and giving memory back after each pass.
"""
