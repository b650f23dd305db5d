"""Stage 2, the mail: parsing messages, recognising automatic mail, and understanding a
reply (which loop it answers, and what it says).
"""
