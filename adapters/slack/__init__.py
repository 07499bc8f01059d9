"""The Slack adapter: a slack-bolt app that hands `/yuntai`, clicks, shortcuts and events to the core."""
