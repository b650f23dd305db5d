"""Who an employer is: company names from mail domains and titles, the size of a company,
recruiting agencies and applicant-tracking systems. Used by every stage below the engine.
"""
