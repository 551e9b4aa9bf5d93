"""A research pipeline split by single responsibility; `Pipeline` composes it."""
