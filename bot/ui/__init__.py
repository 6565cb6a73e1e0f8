"""Presentation: callback data, cards, lines, keyboards, charts and workbooks, one module per
feature, shared by handlers, the scheduler and a future web dashboard."""
