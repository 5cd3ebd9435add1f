// Pipeline implementation pending.
