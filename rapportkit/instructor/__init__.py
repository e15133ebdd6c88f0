"""The instructor's side: what runs on the grader's machine, never in a student's kernel."""
