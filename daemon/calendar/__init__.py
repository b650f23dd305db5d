"""Stage 1, the calendar: parsing iCalendar data into events, and deciding which events are
the user's interviews (and with whom, at which company).
"""
