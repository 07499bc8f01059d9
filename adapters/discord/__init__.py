"""The Discord adapter: slash commands, pasted links and vote buttons rendered from the core's definitions."""
