"""Small helpers every stage and provider may use: text matching, safe file writes,
secrets, log formatting, typed TOML tables. They import nothing above themselves.
"""
