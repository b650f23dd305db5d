"""Shipped lists and rules: ATS sender domains, free-mail domains, large employers, and the
reply rules. Read with importlib.resources; users add their own in the configuration.
"""
