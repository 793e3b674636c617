"""Circulars (情况通报), the explanations they demand, accountability referrals and typical cases.

``rankings`` scores units for a period, ``drafting`` turns the ranking into a
draft, ``workflow`` edits, publishes and collects answers, ``reminders`` chases
the answers owed, ``referrals`` and ``cases`` carry findings on to the
supervisory organs and the public, ``export_docx``/``export_xlsx`` write the
documents offices exchange.
"""
