"""The Rasa action server package (Rasa's convention): thin actions over `bot.knowledge`."""
