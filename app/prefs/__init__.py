"""What the dashboard remembers between runs (`settings`): the theme, the last page, Activity's
period and live setting, API access's hide-inactive, and the low-balance threshold. Never a
secret; no Textual."""
