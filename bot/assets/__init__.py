"""Files shipped with the bot: fonts for the report charts."""
