"""Rasa input channels for the ways people actually write: SMS (Twilio) and Telegram."""
