"""Above the stages: one pass reads the calendar and the mailbox, plans, and reconciles the
plan with the store; and what needs the user's attention.
"""
