"""Live updates: the event bus (in-process or Redis), the per-process hub, WebSockets."""
