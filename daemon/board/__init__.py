"""The overview: what needs you today and one line per application (``summary``), shared by
``status`` and the board page (``page``, ``chart``, ``figures``), written after passes (``write``).
"""
