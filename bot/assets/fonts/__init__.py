"""Vazirmatn (SIL Open Font License, see OFL.txt), for Persian text in the report charts."""
