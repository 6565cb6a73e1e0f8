"""The presentation layer: callback data, cards, lines, keyboards, notifiers, charts and
workbooks, one module per feature, shared by handlers, the scheduler and the dashboard."""
