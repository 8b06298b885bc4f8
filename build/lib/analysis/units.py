"""Unit conversions used across the package, named once."""

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
DAYS_PER_MONTH = 365.25 / 12  # mean Gregorian month
J_PER_WH = 3600.0
J_PER_KWH = 3.6e6
WH_PER_KWH = 1000.0
G_PER_TONNE = 1e6
