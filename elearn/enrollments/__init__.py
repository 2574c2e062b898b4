"""A student's place in a course: what they paid, how far they are, when they last moved."""
