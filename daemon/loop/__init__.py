"""Stage 3, the loop: the pure planner (what steps should exist now), the drafts' text and
checks, and composing the messages. Nothing here reads or writes outside.
"""
