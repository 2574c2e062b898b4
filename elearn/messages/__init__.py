"""Messages: instructors and admins write to learners, learners reply, everyone reads an inbox."""
