"""Course authoring in the browser: courses, their modules (ordered) and contents."""
