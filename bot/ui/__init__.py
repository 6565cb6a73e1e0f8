"""The presentation layer: callback data, cards, lines, keyboards and notifiers shared by
handlers, the scheduler and the dashboard."""
