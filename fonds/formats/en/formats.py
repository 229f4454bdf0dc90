"""English dates the European way: "5 Dec 2026", "05-12-2026", the day first and the 24-hour clock.

Django's own English formats are American ("Dec. 5, 2026", "12/05/2026", "p.m."): the ledger's
English readers are European (the fund, Ukrainian partners), and a date like 02-03-2026 must mean
the same day on the English and the Dutch page. Settings not named here keep Django's English ones.
"""

DATE_FORMAT = "j M Y"  # 5 Dec 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j M Y, H:i"  # 5 Dec 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 5 December
SHORT_DATE_FORMAT = "d-m-Y"  # 05-12-2026
SHORT_DATETIME_FORMAT = "d-m-Y H:i"  # 05-12-2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

# What a date field accepts when typed (a browser without a date picker): the day first, never
# the American month first. Django adds the ISO form (2026-12-05) that date pickers send.
DATE_INPUT_FORMATS = [
    "%d-%m-%Y",  # 05-12-2026
    "%d/%m/%Y",  # 05/12/2026
    "%d %b %Y",  # 5 Dec 2026
    "%d %B %Y",  # 5 December 2026
]
DATETIME_INPUT_FORMATS = [
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
